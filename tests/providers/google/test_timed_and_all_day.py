"""Changing an event between timed and all-day reaches Google. Calendar's PATCH merges nested
objects, so a `start` with `date` merged into one with `dateTime` holds both and is refused with
400 "Invalid start time": the other key must be cleared explicitly."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from syncengine.records import Event
from syncengine.stores.base import Create, Update
from tests.providers.google.conftest import BASE, GoogleRig, soon

TIMED = Event.normalized(
    subject="Offsite",
    start=soon(days=5, hour=9),
    end=soon(days=5, hour=9) + timedelta(hours=2),
    time_zone="Europe/Oslo",
)
ALL_DAY = Event.normalized(
    subject="Offsite",
    start=soon(days=5).date(),
    end=soon(days=6).date(),
    time_zone="Europe/Oslo",
    all_day=True,
)
TIMES = frozenset({"start", "end", "all_day"})


@pytest.mark.parametrize(("before", "after"), [(TIMED, ALL_DAY), (ALL_DAY, TIMED)])
def test_a_change_between_timed_and_all_day_is_written(
    google: GoogleRig, before: Event, after: Event
) -> None:
    store = google.events()
    (made,) = store.apply([Create("a", before)])
    (changed,) = store.apply([Update(made.id or "", after, fields=TIMES)])
    assert changed.ok, changed.error
    (item,) = store.changes(None).changed
    assert (item.record.all_day, item.record.start, item.record.end) == (
        after.all_day,
        after.start,
        after.end,
    )


def test_the_emulator_merges_a_patch_of_start_like_google_and_refuses_both_keys(
    google: GoogleRig,
) -> None:
    client = google.client()
    made = client.calendar("POST", "calendars/primary/events", body={
        "summary": "x", "start": {"dateTime": "2030-01-01T09:00:00Z"},
        "end": {"dateTime": "2030-01-01T10:00:00Z"},
    })  # fmt: skip
    patch = {"start": {"date": "2030-01-01"}, "end": {"date": "2030-01-02"}}
    answer = client.session.patch(
        f"{BASE}/calendar/v3/calendars/primary/events/{made['id']}", json=patch
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Invalid start time."
    # A PATCH that clears the other key is accepted; the location it leaves alone stays.
    client.calendar("PATCH", f"calendars/primary/events/{made['id']}", body={
        "start": {"date": "2030-01-01", "dateTime": None},
        "end": {"date": "2030-01-02", "dateTime": None},
    })  # fmt: skip
    event = client.calendar("GET", f"calendars/primary/events/{made['id']}")
    assert event["start"] == {"date": "2030-01-01"} and event["summary"] == "x"


def test_a_partial_update_of_another_field_leaves_the_times_alone(google: GoogleRig) -> None:
    store = google.events()
    (made,) = store.apply([Create("a", TIMED)])
    moved = replace(TIMED, location="Room 2")
    (changed,) = store.apply([Update(made.id or "", moved, fields=frozenset({"location"}))])
    assert changed.ok
    (item,) = store.changes(None).changed
    assert (item.record.location, item.record.start) == ("Room 2", TIMED.start)
