"""An event's times merge as one moment, and a write lays the source's fields over the target's
own record (syncengine/planning/merging.py, decision table M8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from syncengine.engine import run_sync
from syncengine.planning.merging import changed_fields, overlay, written_fields
from syncengine.policy import SyncSettings
from syncengine.records import Event
from syncengine.state import MemoryRepo
from syncengine.stores.base import Item
from syncengine.stores.memory import Clock, MemoryStore

DAY = datetime(2026, 9, 1, tzinfo=UTC)
ALL_DAY = Event.normalized(
    subject="Offsite", start=DAY, end=DAY + timedelta(days=1), all_day=True, time_zone="Europe/Oslo"
)


def test_a_change_of_any_of_an_events_times_counts_as_a_change_of_all_three() -> None:
    assert changed_fields("events", frozenset({"all_day"})) == {"all_day", "start", "end"}
    assert changed_fields("events", frozenset({"subject"})) == {"subject"}
    assert changed_fields("contacts", frozenset({"title"})) == {"title"}


def test_a_series_times_are_written_with_its_rule_unless_the_target_changed_the_rule() -> None:
    series = Item(
        "s", "1", Event.normalized(**{**vars(ALL_DAY), "recurrence": "FREQ=WEEKLY;COUNT=4"})
    )
    assert written_fields(series, {"start", "end", "all_day"}, set()) == {
        "start", "end", "all_day", "recurrence",
    }  # fmt: skip
    assert "recurrence" not in written_fields(series, {"start", "end", "all_day"}, {"recurrence"})
    assert written_fields(series, {"subject"}, set()) == {"subject"}
    single = Item("e", "1", ALL_DAY)
    assert written_fields(single, {"start"}, set()) == {"start"}


def test_a_write_carries_the_targets_own_values_outside_the_fields_written() -> None:
    target = Item("t", "1", replace(ALL_DAY, location="Room 9", subject="Mine"))
    source = Item("s", "2", replace(ALL_DAY, location="Lobby", subject="Theirs"))
    written = overlay(target, source, {"subject"})
    assert (written.record.subject, written.record.location) == ("Theirs", "Room 9")
    assert overlay(None, source, {"subject"}) is source


def test_times_changed_on_both_sides_are_one_conflict_settled_for_the_whole_moment() -> None:
    clock = Clock()
    sf = MemoryStore("salesforce", "events", clock=clock)
    mb = MemoryStore("mailbox", "events", clock=clock)
    repo, settings = MemoryRepo(), SyncSettings()
    sf_id = sf.put(ALL_DAY)
    run_sync(sf, mb, repo, settings)
    (mb_id,) = mb.records()
    moved = DAY + timedelta(days=7)
    sf.edit(sf_id, replace(ALL_DAY, start=moved, end=moved + timedelta(days=1)))
    timed = DAY.replace(hour=9)
    mb.edit(mb_id, replace(ALL_DAY, all_day=False, start=timed, end=timed + timedelta(hours=1)))

    result = run_sync(sf, mb, repo, settings)

    assert result.counts.get("conflicts") == 1
    for record in (sf.records()[sf_id], mb.records()[mb_id]):
        assert (record.all_day, record.start) == (True, moved)
