"""The change feed run for the org (syncengine/changefeed.py) against the emulator: the right
users are marked and woken, a crash before the cursor is stored loses nothing, and a user's run
reads Salesforce only when the feed saw something of theirs, or when the reconcile is due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from connections.models import SalesforceConnection
from mappings.models import ApiUsageSample, FeedCursor, FeedMark
from syncengine import changefeed, registry, service
from syncengine.feed import Unchanged
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact
from syncengine.stores.base import Kind, Store
from syncengine.stores.memory import MemoryStore
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_on(org: Org, settings: Any) -> Org:
    settings.LSYNC_CHANGE_FEED = True
    settings.LSYNC_STORE_BACKEND = "providers"
    settings.LSYNC_SALESFORCE_FEED_USER = org.user.username
    return org


def later(user: SyncUser) -> None:
    SyncUser.objects.filter(pk=user.pk).update(next_due_at=timezone.now() + timedelta(hours=1))


def due_now(user: SyncUser) -> bool:
    user.refresh_from_db()
    return user.next_due_at <= timezone.now()


def test_a_change_marks_and_wakes_its_owner_and_the_users_who_can_see_it(feed_on: Org) -> None:
    org = feed_on
    org.emulator.store.private_objects.add("Contact")
    everything = SyncConfiguration.objects.create(name="All I see", contacts_ownership="visible")
    bo = org.make_user("bo@example.com")  # syncs only Bo's own contacts
    cy = org.make_user("cy@example.com", configuration=everything)
    di = org.make_user("di@example.com", configuration=everything)
    assert changefeed.read_feed("contacts").status == "ok"  # the first read sets the cursor
    for user in (org.user, bo, cy, di):
        later(user)
    contact = org.add("Contact", {"LastName": "Berg"})
    org.emulator.store.shares.add((contact, cy.salesforce_user_id))
    result = changefeed.read_feed("contacts")
    assert result.woken == {org.user.pk, cy.pk}
    assert [due_now(u) for u in (org.user, bo, cy, di)] == [True, False, True, False]
    assert set(FeedMark.objects.values_list("sync_user_id", flat=True)) == {org.user.pk, cy.pk}


def test_a_crash_before_the_cursor_is_stored_loses_no_change(
    feed_on: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = feed_on
    changefeed.read_feed("contacts")
    stored = FeedCursor.objects.get(kind="contacts").value
    org.add("Contact", {"LastName": "Berg"})

    def crash(*args: Any) -> int:
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(changefeed, "wake", crash)
        with pytest.raises(RuntimeError):
            changefeed.read_feed("contacts")
    assert FeedCursor.objects.get(kind="contacts").value == stored
    assert not FeedMark.objects.exists()
    assert changefeed.read_feed("contacts").woken == {org.user.pk}
    assert changefeed.read_feed("contacts").woken == set()


def test_a_second_reader_of_the_same_feed_waits(feed_on: Org) -> None:
    changefeed.read_feed("contacts")
    FeedCursor.objects.filter(kind="contacts").update(
        lease_owner="other", lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert changefeed.read_feed("contacts").status == "busy"


def test_without_an_integration_user_there_is_no_feed(org: Org, settings: Any) -> None:
    settings.LSYNC_CHANGE_FEED = True
    settings.LSYNC_STORE_BACKEND = "providers"
    settings.LSYNC_SALESFORCE_FEED_USER = ""
    settings.LSYNC_SALESFORCE_DIRECTORY_USER = ""
    assert changefeed.read_feed("contacts").status == "off"
    store = org.contacts()
    assert changefeed.gate(org.user, "contacts", store) is store


def gated(user: SyncUser) -> bool:
    return isinstance(
        changefeed.gate(user, "contacts", MemoryStore("salesforce", "contacts")), Unchanged
    )


def test_a_run_reads_salesforce_only_when_the_feed_saw_a_change_or_reconcile_is_due(
    feed_on: Org, settings: Any
) -> None:
    user = feed_on.user
    changefeed.read_feed("contacts")
    assert not gated(user)  # never read yet: the first run lists everything
    changefeed.settle(user, "contacts", timezone.now(), MemoryStore("salesforce", "contacts"))
    assert gated(user)
    changefeed.mark([user.pk], "contacts", timezone.now())
    assert not gated(user)
    changefeed.settle(user, "contacts", timezone.now(), MemoryStore("salesforce", "contacts"))
    assert gated(user)
    settings.LSYNC_RECONCILE_SECONDS = 0
    assert not gated(user)


def test_a_stopped_feed_lets_every_run_read_salesforce(feed_on: Org) -> None:
    user = feed_on.user
    changefeed.read_feed("contacts")
    changefeed.settle(user, "contacts", timezone.now(), MemoryStore("salesforce", "contacts"))
    assert gated(user)
    FeedCursor.objects.update(read_at=timezone.now() - changefeed.STALE - timedelta(seconds=1))
    assert not gated(user)


def test_quiet_runs_cost_no_salesforce_call_and_a_fed_change_still_arrives(
    feed_on: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = feed_on
    mailbox = MemoryStore("mailbox", "contacts")
    stores: list[Store] = []

    def build(user: SyncUser, kind: Kind) -> tuple[Store, Store]:
        stores.append(registry.salesforce().build_store(user, kind))
        return stores[-1], mailbox

    monkeypatch.setattr(registry, "build_stores", build)
    contact = org.add("Contact", {"LastName": "Berg"})
    changefeed.read_feed("contacts")
    run: Callable[[], str] = lambda: service.sync_user(org.user.pk, "contacts").status  # noqa: E731
    assert run() == "ok"
    assert [r.last_name for r in mailbox.records().values() if isinstance(r, Contact)] == ["Berg"]
    calls = stores[-1].api_calls
    assert run() == "ok"
    assert stores[-1].api_calls == 0 and calls > 0
    org.edit(contact, {"LastName": "Berg-Dahl"})
    assert changefeed.read_feed("contacts").woken == {org.user.pk}
    assert run() == "ok"
    assert [r.last_name for r in mailbox.records().values() if isinstance(r, Contact)] == [
        "Berg-Dahl"
    ]


def test_each_feed_read_samples_the_orgs_api_use_as_salesforce_reports_it(feed_on: Org) -> None:
    feed_on.emulator.api_limit = 120_000
    result = changefeed.read_feed("contacts")
    sample = ApiUsageSample.objects.get()
    assert sample.daily_limit == 120_000
    assert sample.used == feed_on.emulator.api_usage()
    assert sample.feed_calls == result.api_calls == 1


def test_with_nobody_to_sync_the_feed_makes_no_call(feed_on: Org) -> None:
    feed_on.user.delete()
    assert changefeed.read_feed("contacts").status == "idle"
    assert not ApiUsageSample.objects.exists()


def test_before_salesforce_is_connected_the_feed_is_off(feed_on: Org) -> None:
    SalesforceConnection.objects.update(consumer_key="", private_key="")
    assert changefeed.read_feed("contacts").status == "off"
