"""What the soak found on Google (issue 13): an event's all-day flag changed in Google while its
series rule changed in Salesforce. Calendar writes a series' rule together with its times, and
the engine used to send Salesforce's whole record, so Salesforce's old all-day times came back
to Google and the user's change to a timed event was lost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from syncengine.engine import run_sync
from syncengine.models import SyncUser
from syncengine.records import Event, MatchKey
from syncengine.state import build_mapping
from syncengine.stores.base import Create, Delete, Op, OpResult, RateLimited, Update
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import soon
from tests.providers.google.test_end_to_end import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> World:
    return World(sandbox_product, salesforce_connection, make_sync_user, "events", "both")


def lose_the_answer_of_a_salesforce_create(world: World) -> None:
    """A1 synced; then B1, made in Google, created in Salesforce by a run that lost the answer
    (the connection dropped after Salesforce applied the create)."""
    world.put("salesforce", "A1")
    world.sync()
    world.put("mailbox", "B1")
    world.sf_emu.inject("reset_after", r"salesforce\.collections\.create", times=1)
    sf, google = world.stores()
    lost = run_sync(sf, google, world.repo, world.config.settings_for(world.kind))
    assert lost.status == "failed" and sorted(world.item_ids("salesforce")) == ["A1", "B1"]


def _one(world: World, side: str) -> tuple[str, Event]:
    ((item_id, item),) = {it.id: it for it in world.items(side)}.items()
    assert isinstance(item.record, Event)
    return item_id, item.record


def test_a_change_to_timed_in_google_survives_a_rule_change_in_salesforce(world: World) -> None:
    sf, _ = world.stores()
    day = soon(days=4).replace(hour=0)
    all_day = Event.normalized(
        subject="Offsite", start=day, end=day + timedelta(days=1), all_day=True,
        time_zone="Europe/Oslo",
    )  # fmt: skip
    (made,) = sf.apply([Create("a", all_day)])
    assert made.ok
    world.sync()
    mb_id, copy = _one(world, "mailbox")
    sf_id, original = _one(world, "salesforce")
    timed = replace(copy, all_day=False, start=day.replace(hour=9), end=day.replace(hour=10))
    _, google = world.stores()
    (edited,) = google.apply([Update(mb_id, timed, fields=frozenset({"all_day", "start", "end"}))])
    series = replace(original, recurrence="FREQ=DAILY;COUNT=3")
    (ruled,) = sf.apply(
        [Update(sf_id, Event.normalized(**vars(series)), fields=frozenset({"recurrence"}))]
    )
    assert edited.ok and ruled.ok

    world.sync()
    world.sync()

    for side in ("salesforce", "mailbox"):
        _, record = _one(world, side)
        assert (record.all_day, record.start, record.end) == (False, timed.start, timed.end), side
        assert record.recurrence is not None and "FREQ=DAILY" in record.recurrence.rrule, side


def test_a_copy_whose_create_landed_before_the_worker_died_and_that_the_user_deleted_stays_deleted(
    world: World,
) -> None:
    sf, google = world.stores()
    start = soon(days=6)
    kept, event = (
        Event.normalized(subject=s, start=start, end=start + timedelta(hours=1), time_zone="UTC")
        for s in ("Kept", "Review")
    )
    sf.apply([Create("k", kept)])
    world.sync()
    (made,) = sf.apply([Create("a", event)])
    sf_id = made.id or ""
    # What a worker killed after Calendar applied the create leaves: the pending row written
    # before the batch, and the copy, carrying its marker, that nothing recorded.
    hashes = event.field_hashes()
    world.repo.upsert(
        build_mapping({"salesforce": sf_id}, {"salesforce": made.version or ""},
                      {"salesforce": hashes, "mailbox": hashes}, status="pending")
    )  # fmt: skip
    (copy,) = google.apply([Create("a", event, marker=sf_id)])
    (deleted,) = google.apply([Delete(copy.id or "")])
    assert copy.ok and deleted.ok

    world.sync()
    world.sync()

    for side in ("salesforce", "mailbox"):
        assert [it.record.subject for it in world.items(side)] == ["Kept"], side
    assert len(world.repo.load()) == 1


@pytest.fixture
def contacts_world(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> World:
    return World(sandbox_product, salesforce_connection, make_sync_user, "contacts", "both")


def test_a_salesforce_contact_whose_create_lost_its_answer_and_that_the_user_deleted_stays_deleted(
    contacts_world: World,
) -> None:
    # The soak's resurrected contact (seed 11): Salesforce applied the create of a contact the
    # user made in Google, the answer was lost, and the user deleted the new Salesforce contact
    # before the next run, which found no record holding what the pending row wrote.
    world = contacts_world
    lose_the_answer_of_a_salesforce_create(world)
    world.delete("salesforce", "B1")

    world.sync()
    world.edit("mailbox", "B1", title="still mine")
    world.sync()

    assert sorted(world.item_ids("salesforce")) == ["A1"]
    # Row D1c: the user made it in Google, so it stays there, unsynced.
    assert sorted(world.item_ids("mailbox")) == ["A1", "B1"]
    (tombstone,) = [m for m in world.repo.load() if m.status == "detached"]
    assert (tombstone.mailbox_id, tombstone.gone) == (world.item_ids("mailbox")["B1"], "salesforce")


def test_a_salesforce_event_whose_create_lost_its_answer_goes_when_the_user_deletes_its_source(
    world: World,
) -> None:
    # The soak's resurrected event (Google, seed 11, soak#1512): Salesforce applied the create of
    # an event the user made in Google, the answer was lost, and the user deleted the Google
    # event before the next run. That run forgot the pending row, found the new Salesforce event
    # unlinked, and created it in Google again (row U5e).
    lose_the_answer_of_a_salesforce_create(world)
    world.delete("mailbox", "B1")

    world.sync()
    world.sync()

    assert sorted(world.item_ids("salesforce")) == ["A1"]
    assert sorted(world.item_ids("mailbox")) == ["A1"]
    assert len(world.repo.load()) == 1


def test_a_salesforce_event_whose_create_lost_its_answer_and_that_the_user_deleted_stays_deleted(
    world: World,
) -> None:
    # Row U5d for events (Google soak, seed 11, soak#1284): the Salesforce copy of an event the
    # user made in Google landed, its answer was lost, and the user deleted the copy in
    # Salesforce before the next run. The deletion reaches Google; the event is not made again.
    lose_the_answer_of_a_salesforce_create(world)
    world.delete("salesforce", "B1")

    world.sync()
    world.sync()

    assert sorted(world.item_ids("salesforce")) == ["A1"]
    assert sorted(world.item_ids("mailbox")) == ["A1"]


def test_a_salesforce_copy_whose_create_lost_its_answer_is_linked_before_the_user_reworks_it(
    world: World,
) -> None:
    # The soak's duplicated events (Google, seed 11, soak#843): the Salesforce copy of an event
    # made in Google landed, the answer was lost, and the user then changed the copy in more
    # fields than the next run's recovery (row U5) can see through. Both the copy and the
    # original then looked new, and each was created on the other side. The run that lost the
    # answer finds the copy by its identifying fields at once, while it still holds exactly
    # what was written.
    lose_the_answer_of_a_salesforce_create(world)
    (copy,) = [it for it in world.items("salesforce") if it.record.subject == "B1"]
    later = timedelta(hours=2)
    world.edit(
        "salesforce", "B1", location="Room 7", description="moved",
        start=copy.record.start + later, end=copy.record.end + later,  # type: ignore[arg-type]
    )  # fmt: skip

    world.sync()
    world.sync()

    for side in ("salesforce", "mailbox"):
        assert sorted(it.record.subject for it in world.items(side)) == ["A1", "B1"], side
        (b1,) = [it.record for it in world.items(side) if it.record.subject == "B1"]
        assert (b1.location, b1.description) == ("Room 7", "moved"), side


def test_a_salesforce_copy_reworked_after_its_create_and_the_look_up_both_failed_is_linked(
    world: World,
) -> None:
    # The soak's duplicated event (Exchange seed 12): as above, but the run's immediate look-up
    # was throttled too, and before the next run the user changed six of the copy's fields,
    # more than row U5 sees through. Its notes as written and its creation moment, just after
    # the pending row was saved, still tell it (row U5f).
    world.put("salesforce", "A1")
    world.sync()
    world.put("mailbox", "B1")
    world.sf_emu.inject("reset_after", r"salesforce\.collections\.create", times=1)
    sf, google = world.stores()

    find, apply = sf.find, sf.apply
    writes: list[object] = []

    def throttled_once_written(keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        if writes:
            raise RateLimited("ConcurrentPerOrgLongTxn", retry_after=60)
        return find(keys)

    def noted(ops: Sequence[Op]) -> list[OpResult]:
        writes.append(ops)
        return apply(ops)

    sf.find, sf.apply = throttled_once_written, noted  # type: ignore[method-assign]
    lost = run_sync(sf, google, world.repo, world.config.settings_for(world.kind))
    assert lost.status == "failed" and sorted(world.item_ids("salesforce")) == ["A1", "B1"]
    (copy,) = [it for it in world.items("salesforce") if it.record.subject == "B1"]
    later = timedelta(hours=3)
    world.edit(
        "salesforce", "B1", subject="B1 reworked", location="Room 9", show_as="free",
        start=copy.record.start + later, end=copy.record.end + later,  # type: ignore[arg-type]
        private=True,
    )  # fmt: skip

    world.sync()
    world.sync()

    for side in ("salesforce", "mailbox"):
        assert sorted(it.record.subject for it in world.items(side)) == ["A1", "B1 reworked"], side
        (b1,) = [it.record for it in world.items(side) if it.record.subject == "B1 reworked"]
        assert (b1.location, b1.private) == ("Room 9", True), side
