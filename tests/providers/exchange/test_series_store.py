"""Modified occurrences of a series in the Exchange events store (docs/series.md), against the EWS
emulator: read as items of their own placed in their series, written over their occurrence,
reported deleted when they go, and kept when their series' exdates are written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from exchangelib import EWSDateTime

from connections.providers.exchange.stores import ExchangeEventStore
from syncengine.records import Event
from syncengine.stores.base import Create, Delete, Item, Occurrence, Rejected, Update
from tests.providers.exchange.conftest import USER, Exchange

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
START = datetime(2026, 12, 3, 8, tzinfo=UTC)  # a Thursday
WEEK = timedelta(days=7)
ORIGINAL = START + WEEK  # the second occurrence
MOVED = ORIGINAL + timedelta(hours=3)


def weekly(exdates: tuple[datetime, ...] = ()) -> Event:
    return Event.normalized(
        subject="Weekly", start=START, end=START + timedelta(hours=1), time_zone="UTC",
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=4", "exdates": list(exdates)},
    )  # fmt: skip


def moved(subject: str = "Weekly (moved)") -> Event:
    return Event.normalized(
        subject=subject, start=MOVED, end=MOVED + timedelta(hours=1), time_zone="UTC"
    )


@pytest.fixture
def store(exchange: Exchange) -> ExchangeEventStore:
    return ExchangeEventStore(exchange.client(), USER, *WINDOW)


@pytest.fixture
def master(store: ExchangeEventStore) -> str:
    (made,) = store.apply([Create("sf:series", weekly(), marker="00U000000000001")])
    assert made.ok and made.id
    return made.id


def move_in_outlook(exchange: Exchange, master: str, index: int = 2) -> Any:
    (series,) = exchange.as_user().fetch(ids=[(master, None)])
    occurrence = series.occurrence(index)
    occurrence.refresh()
    occurrence.start = EWSDateTime.from_datetime(MOVED)
    occurrence.end = EWSDateTime.from_datetime(MOVED + timedelta(hours=1))
    occurrence.subject = "Weekly (moved)"
    occurrence.save(update_fields=["start", "end", "subject"])
    return occurrence


def split(items: list[Item]) -> tuple[Item, list[Item]]:
    (series,) = [i for i in items if i.occurrence is None]
    return series, [i for i in items if i.occurrence is not None]


def test_a_series_with_a_moved_occurrence_is_two_items(
    exchange: Exchange, store: ExchangeEventStore, master: str
) -> None:
    occurrence = move_in_outlook(exchange, master)
    series, (modified,) = split(store.changes(None).changed)
    assert series.id == master and isinstance(series.record, Event)
    assert series.record.recurrence is not None
    assert series.record.recurrence.exdates == (ORIGINAL,)
    assert modified.id == occurrence.id and modified.occurrence == Occurrence(master, ORIGINAL)
    assert modified.record == store.canonical(moved())
    assert modified.marker is None  # the series' Salesforce id is the series' own


def test_get_places_a_modified_occurrence_in_its_series(
    exchange: Exchange, store: ExchangeEventStore, master: str
) -> None:
    occurrence = move_in_outlook(exchange, master)
    before = list(exchange.emulator.operations)
    found = store.get([occurrence.id])
    assert found[occurrence.id].occurrence == Occurrence(master, ORIGINAL)
    # The occurrence, then its series' id by RecurringMasterItemId; the calendar's id once.
    asked = [op[0] for op in exchange.emulator.operations[len(before) :]]
    assert asked.count("GetItem") == 2 and asked.count("GetFolder") <= 1


def test_a_modified_occurrence_the_user_deletes_is_reported_deleted(
    exchange: Exchange, store: ExchangeEventStore, master: str
) -> None:
    occurrence = move_in_outlook(exchange, master)
    cursor = store.changes(None).cursor
    occurrence.refresh()
    gone = occurrence.id
    occurrence.delete(send_meeting_cancellations="SendToNone")
    page = store.changes(cursor)
    assert page.deleted == [gone]
    series, modified = split(page.changed)
    assert modified == [] and isinstance(series.record, Event)
    assert series.record.recurrence is not None
    assert series.record.recurrence.exdates == (ORIGINAL,)  # moved, then cancelled


def test_a_deleted_series_takes_its_modified_occurrences_with_it(
    exchange: Exchange, store: ExchangeEventStore, master: str
) -> None:
    occurrence = move_in_outlook(exchange, master)
    cursor = store.changes(None).cursor
    (result,) = store.apply([Delete(master)])
    assert result.ok
    assert sorted(store.changes(cursor).deleted) == sorted([master, occurrence.id])


def test_a_modified_occurrence_from_salesforce_is_written_over_its_occurrence(
    store: ExchangeEventStore, master: str
) -> None:
    (result,) = store.apply([Create("sf:moved", moved(), occurrence=Occurrence(master, ORIGINAL))])
    assert result.ok
    series, (modified,) = split(store.changes(None).changed)
    assert result.id == modified.id and result.version == modified.version
    assert modified.occurrence == Occurrence(master, ORIGINAL)
    assert modified.record == store.canonical(moved())

    again = replace(moved("Moved twice"), start=MOVED + WEEK, end=MOVED + WEEK + timedelta(hours=1))
    fields = frozenset({"subject", "start", "end"})
    (updated,) = store.apply([Update(modified.id, again, modified.version, fields)])
    assert updated.ok and updated.id == modified.id
    _, (modified,) = split(store.changes(None).changed)
    assert modified.record == store.canonical(again)


def test_an_occurrence_no_longer_in_its_series_is_refused_not_created(
    store: ExchangeEventStore, master: str
) -> None:
    (cancelled,) = store.apply(
        [Update(master, weekly((ORIGINAL,)), None, frozenset({"recurrence"}))]
    )
    assert cancelled.ok
    (result,) = store.apply([Create("sf:moved", moved(), occurrence=Occurrence(master, ORIGINAL))])
    assert not result.ok and isinstance(result.error, Rejected)
    assert "no longer in its series" in result.error.message
    assert [i.id for i in store.changes(None).changed] == [master]


def test_exdates_written_to_a_series_keep_its_modified_occurrences(
    exchange: Exchange, store: ExchangeEventStore, master: str
) -> None:
    occurrence = move_in_outlook(exchange, master)
    cancelled = START + 2 * WEEK
    wanted = replace(weekly((ORIGINAL, cancelled)), subject="Renamed")
    fields = frozenset({"subject", "recurrence"})
    (result,) = store.apply([Update(master, wanted, None, fields)])
    assert result.ok
    series, (modified,) = split(store.changes(None).changed)
    assert modified.id == occurrence.id and modified.record == store.canonical(moved())
    assert isinstance(series.record, Event) and series.record.subject == "Renamed"
    assert series.record.recurrence is not None
    assert series.record.recurrence.exdates == (ORIGINAL, cancelled)
