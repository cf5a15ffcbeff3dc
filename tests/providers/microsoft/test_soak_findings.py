"""What the soak found on Microsoft 365 (issue 13), each as a run over the real stores and the
emulators: a write that landed while its answer was lost (the connection dropped after the server
applied it), then a user's edit before the next run."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bench.soak.model import values
from syncengine.engine import run_sync
from syncengine.records import Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Delete, Update
from tests.providers.microsoft.test_end_to_end import World, apply_one, sample
from tests.providers.microsoft.test_end_to_end import world as world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_a_mailbox_edit_of_a_copy_whose_create_lost_its_answer_is_kept(world: World) -> None:
    sf_user, mb_user = world.stores("contacts")
    sf_id = apply_one(sf_user, Create("a", sample("contacts", 1)))
    world.microsoft.inject("reset_after", r"graph\.contacts\.create", times=1)
    sf, mb = world.stores("contacts")
    repo = DbMappingRepo(world.user, "contacts")
    cut = run_sync(sf, mb, repo, world.config.settings_for("contacts"))
    assert cut.status == "failed"
    (copy,) = mb_user.changes(None).changed
    assert copy.marker == sf_id
    edited = sample("contacts", 1, last_name="Edited in Outlook")
    apply_one(mb_user, Update(copy.id, edited, fields=frozenset({"last_name"})))

    world.sync("contacts")

    sf_items, mb_items = world.listing("contacts")
    assert [it.record.last_name for it in sf_items.values()] == ["Edited in Outlook"]
    assert [it.record.last_name for it in mb_items.values()] == ["Edited in Outlook"]


def test_an_event_copy_whose_create_lost_its_answer_and_that_the_user_deleted_stays_deleted(
    world: World,
) -> None:
    sf_user, mb_user = world.stores("events")
    apply_one(sf_user, Create("kept", sample("events", 0)))
    world.sync("events")
    apply_one(sf_user, Create("a", sample("events", 1)))
    world.microsoft.inject("reset_after", r"graph\.events\.create", times=1)
    sf, mb = world.stores("events")
    cut = run_sync(sf, mb, DbMappingRepo(world.user, "events"), world.config.settings_for("events"))
    assert cut.status == "failed"
    (copy,) = [it for it in mb_user.changes(None).changed if it.record.subject == "Review 1"]
    apply_one(mb_user, Delete(copy.id))

    world.sync("events")
    world.sync("events")

    sf_items, mb_items = world.listing("events")
    assert [it.record.subject for it in sf_items.values()] == ["Review 0"]
    assert [it.record.subject for it in mb_items.values()] == ["Review 0"]


def _series(world: World, **changes: object) -> tuple[str, str]:
    """A weekly series made in Salesforce (its rule names no day: the start's weekday) and its
    Outlook copy (Graph spells the day out)."""
    sf_user, _ = world.stores("events")
    sf_id = apply_one(sf_user, Create("a", sample("events", 3, recurrence="FREQ=WEEKLY;COUNT=4")))
    world.sync("events")
    ((mapping,),) = [DbMappingRepo(world.user, "events").load()]
    return sf_id, mapping.mailbox_id


def _moved(record: Event, days: int) -> Event:
    return replace(
        record, start=record.start + timedelta(days=days), end=record.end + timedelta(days=days)
    )


def _rule(record: Event) -> str | None:
    return values("events", record)["recurrence"]


def test_a_series_whose_start_moves_to_another_weekday_in_outlook_repeats_on_the_same_days_on_both_sides(
    world: World,
) -> None:
    sf_id, mb_id = _series(world)
    sf_user, mb_user = world.stores("events")
    copy = mb_user.get([mb_id])[mb_id].record
    assert isinstance(copy, Event)
    apply_one(mb_user, Update(mb_id, _moved(copy, 1), fields=frozenset({"start", "end"})))

    world.sync("events")

    sf_items, mb_items = world.listing("events")
    sf_record, mb_record = sf_items[sf_id].record, mb_items[mb_id].record
    assert isinstance(sf_record, Event) and isinstance(mb_record, Event)
    assert sf_record.start == mb_record.start == copy.start + timedelta(days=1)
    assert _rule(sf_record) == _rule(mb_record)


def test_a_series_cleared_in_outlook_while_moved_in_salesforce_ends_as_one_event_at_the_new_time(
    world: World,
) -> None:
    sf_id, mb_id = _series(world)
    sf_user, mb_user = world.stores("events")
    copy = mb_user.get([mb_id])[mb_id].record
    original = sf_user.get([sf_id])[sf_id].record
    assert isinstance(copy, Event) and isinstance(original, Event)
    apply_one(
        mb_user, Update(mb_id, replace(copy, recurrence=None), fields=frozenset({"recurrence"}))
    )
    apply_one(sf_user, Update(sf_id, _moved(original, 2), fields=frozenset({"start", "end"})))

    world.sync("events")
    world.sync("events")

    sf_items, mb_items = world.listing("events")
    sf_record, mb_record = sf_items[sf_id].record, mb_items[mb_id].record
    assert isinstance(sf_record, Event) and isinstance(mb_record, Event)
    assert sf_record.recurrence is None and mb_record.recurrence is None
    assert sf_record.start == mb_record.start == original.start + timedelta(days=2)
