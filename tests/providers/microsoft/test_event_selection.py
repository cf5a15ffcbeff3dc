"""Issue 11 item 3 on Microsoft 365: with "only events users select", a Graph event is selected
when it carries the configured Outlook category (compared without regard to case, as Outlook
does); the category is read from what the user sets in Outlook, and a change of it is seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connections.models import MailConnection, Status
from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.convert import has_category
from connections.providers.microsoft.stores import build_store
from connections.providers.microsoft.stores.events import GraphEventStore
from syncengine.models import SyncConfiguration, SyncUser
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
START = datetime(2026, 6, 1, 9, tzinfo=UTC)


def graph_event(subject: str, categories: list[str]) -> dict[str, object]:
    def when(moment: datetime) -> dict[str, str]:
        return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}

    return {"subject": subject, "start": when(START), "end": when(START + timedelta(hours=1)),
            "categories": categories}  # fmt: skip


def test_the_category_is_compared_without_regard_to_case() -> None:
    assert has_category({"categories": ["Red", "salesforce "]}, "Salesforce")
    assert not has_category({"categories": ["Salesforce deals"]}, "Salesforce")
    assert not has_category({}, "Salesforce")
    assert has_category({}, None)  # no mark asked for: every event counts


def test_only_events_with_the_configured_category_are_selected(microsoft: Microsoft) -> None:
    marked = microsoft.emulator.add_event(USER, graph_event("Deal review", ["Blue", "CRM"]))
    plain = microsoft.emulator.add_event(USER, graph_event("Dentist", ["Blue"]))
    store = GraphEventStore(GraphClient(TENANT), USER, *WINDOW, invitations=False, category="crm")
    page = store.changes(None)
    assert {it.id: it.selected for it in page.changed} == {marked: True, plain: False}
    assert {it.id: it.selected for it in store.get([marked, plain]).values()} == {
        marked: True,
        plain: False,
    }

    # The user removes the category in Outlook: the event is read again, no longer selected,
    # and its record (the content lsync syncs) is the same.
    before = {it.id: it.record for it in page.changed}
    GraphClient(TENANT).send(
        "PATCH", f"/users/{USER}/events/{marked}", body={"categories": ["Blue"]}
    )
    (item,) = store.changes(page.cursor).changed
    assert (item.id, item.selected, item.record) == (marked, False, before[marked])


def test_without_a_category_every_event_is_selected(microsoft: Microsoft) -> None:
    microsoft.emulator.add_event(USER, graph_event("Dentist", []))
    store = GraphEventStore(GraphClient(TENANT), USER, *WINDOW, invitations=False)
    assert [it.selected for it in store.changes(None).changed] == [True]


@pytest.mark.django_db
def test_the_configuration_gives_the_store_its_category_only_when_users_select() -> None:
    MailConnection.objects.create(method="microsoft365", tenant_id=TENANT, status=Status.SAVED)
    config = SyncConfiguration.objects.create(name="Sales", events_select_category="Deals")
    user = SyncUser.objects.create(
        configuration=config, salesforce_user_id="005000000000001AAA", username="ana@sf.example",
        email=USER, mailbox_address=USER,
    )  # fmt: skip
    store = build_store(user, "events")
    assert isinstance(store, GraphEventStore) and store.category is None
    config.events_scope = "selected"
    config.save()
    store = build_store(SyncUser.objects.get(), "events")
    assert isinstance(store, GraphEventStore) and store.category == "Deals"
