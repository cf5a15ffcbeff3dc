"""The Salesforce event store tells a series from its occurrence rows (docs/series.md): the
series row is the series item, plain occurrence rows are no items, an exception row is a
modified occurrence, and a missing row is an exception date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syncengine.records import Event, Recurrence
from syncengine.stores.base import Create, Occurrence, Update
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
WEEK = timedelta(days=7)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def weekly(org: Org) -> tuple[str, list[str]]:
    series = org.add("Event", {
        "Subject": "Pipeline review", "StartDateTime": stamp(START),
        "EndDateTime": stamp(START + timedelta(hours=1)), "IsRecurrence2": True,
        "Recurrence2PatternText": "RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=6",
        "Recurrence2PatternTimeZone": "UTC",
    })  # fmt: skip
    rows = sorted(
        (r for r in org.emulator.store.live("Event") if r["RecurrenceActivityId"] == series),
        key=lambda r: r["StartDateTime"],
    )
    return series, [r["Id"] for r in rows]


def test_a_series_of_six_occurrence_rows_is_one_item(org: Org) -> None:
    series, rows = weekly(org)
    assert len(rows) == 6
    (item,) = org.events().changes(None).changed
    assert item.id == series and item.occurrence is None
    assert item.record.recurrence == Recurrence("FREQ=WEEKLY;COUNT=6")


def test_a_moved_row_is_a_modified_occurrence_and_a_deleted_one_an_exception_date(
    org: Org,
) -> None:
    series, rows = weekly(org)
    store = org.events()
    cursor = store.changes(None).cursor
    moved = START + WEEK + timedelta(hours=2)
    org.edit(
        rows[1], {"StartDateTime": stamp(moved), "EndDateTime": stamp(moved + timedelta(hours=1))}
    )
    org.emulator.delete_record(rows[3], as_user=org.user_id)
    page = store.changes(cursor)
    by_id = {it.id: it for it in page.changed}
    assert set(by_id) == {series, rows[1]}
    assert by_id[series].record.recurrence is not None
    assert by_id[series].record.recurrence.exdates == (START + WEEK, START + 3 * WEEK)
    assert by_id[rows[1]].occurrence == Occurrence(series, START + WEEK)
    assert by_id[rows[1]].record.recurrence is None and by_id[rows[1]].record.start == moved
    assert rows[3] in page.deleted  # an unmapped id: the planner ignores it


def test_a_modified_occurrence_is_written_over_its_row_and_a_cancelled_one_deletes_its_row(
    org: Org,
) -> None:
    series, rows = weekly(org)
    store = org.events()
    (item,) = store.changes(None).changed
    moved = START + 2 * WEEK + timedelta(hours=3)
    record = Event.normalized(subject="Pipeline review (moved)", start=moved,
                              end=moved + timedelta(hours=1))  # fmt: skip
    assert isinstance(item.record, Event) and item.record.recurrence is not None
    # The mailbox's series: the third occurrence moved, the fifth cancelled.
    removed = (START + 2 * WEEK, START + 4 * WEEK)
    new = replace(item.record, recurrence=Recurrence(item.record.recurrence.rrule, removed))
    results = store.apply([
        Create("m", record, occurrence=Occurrence(series, START + 2 * WEEK)),
        Update(series, new, item.version, frozenset({"recurrence"})),
    ])  # fmt: skip
    assert [r.ok for r in results] == [True, True] and results[0].id == rows[2]
    live = {r["Id"]: r for r in org.emulator.store.live("Event") if r["OwnerId"] == org.user_id}
    assert len(live) == 6  # the series row and 5 occurrence rows: nothing created
    assert live[rows[2]]["IsRecurrence2Exception"] and live[rows[2]]["StartDateTime"] == moved
    assert rows[4] not in live


def test_exception_dates_from_a_mailbox_that_names_the_zone_otherwise_keep_the_exceptions(
    org: Org,
) -> None:
    # Exchange reads UTC back as Etc/UTC: only the exception dates changed, so the series keeps
    # its own zone (a new one would regenerate its rows and drop the moved one).
    series, rows = weekly(org)
    store = org.events()
    (item,) = store.changes(None).changed
    moved = START + WEEK + timedelta(hours=2)
    org.edit(
        rows[1], {"StartDateTime": stamp(moved), "EndDateTime": stamp(moved + timedelta(hours=1))}
    )
    assert isinstance(item.record, Event) and item.record.recurrence is not None
    removed = (START + WEEK, START + 3 * WEEK)
    new = replace(
        item.record,
        time_zone="Etc/UTC",
        recurrence=Recurrence(item.record.recurrence.rrule, removed),
    )
    (result,) = store.apply([Update(series, new, None, frozenset({"recurrence"}))])
    assert result.ok
    live = {r["Id"]: r for r in org.emulator.store.live("Event") if r["OwnerId"] == org.user_id}
    assert live[series]["Recurrence2PatternTimeZone"] == "UTC"
    assert live[rows[1]]["IsRecurrence2Exception"] and live[rows[1]]["StartDateTime"] == moved
    assert rows[3] not in live and len(live) == 6
