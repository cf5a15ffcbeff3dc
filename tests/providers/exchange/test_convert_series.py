"""The pure reads of a series in EWS terms (convert_series.py, and the exdates event_from_ews
reads): modified occurrences are exception dates of their series and items placed in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exchangelib import CalendarItem, EWSDateTime
from exchangelib.properties import ItemId
from exchangelib.recurrence import DeletedOccurrence
from exchangelib.recurrence import Occurrence as EwsOccurrence

from connections.providers.exchange import convert
from connections.providers.exchange.convert_series import exception_ids, occurrence_of, same_rule
from syncengine.records import Event
from syncengine.stores.base import Occurrence

START = datetime(2026, 12, 3, 8, tzinfo=UTC)
WEEK = timedelta(days=7)


def weekly(rrule: str = "FREQ=WEEKLY;BYDAY=TH;COUNT=10", zone: str = "Europe/Oslo") -> Event:
    return Event.normalized(
        subject="Weekly", start=START, end=START + timedelta(hours=1), time_zone=zone,
        recurrence={"rrule": rrule},
    )  # fmt: skip


def series_with_one_modified_and_one_deleted() -> CalendarItem:
    item = convert.fill_event(CalendarItem(), weekly())
    moved_from = EWSDateTime.from_datetime(START + WEEK)
    item.modified_occurrences = [
        EwsOccurrence(
            _id=ItemId(id="occ-2", changekey="ck"), original_start=moved_from,
            start=moved_from + timedelta(hours=3), end=moved_from + timedelta(hours=4),
        )
    ]  # fmt: skip
    item.deleted_occurrences = [
        DeletedOccurrence(start=EWSDateTime.from_datetime(START + 2 * WEEK))
    ]
    return item


def test_modified_and_deleted_occurrences_are_both_exception_dates() -> None:
    record = convert.event_from_ews(series_with_one_modified_and_one_deleted())
    assert record.recurrence is not None
    assert record.recurrence.exdates == (START + WEEK, START + 2 * WEEK)


def test_a_series_names_its_modified_occurrences() -> None:
    assert exception_ids(series_with_one_modified_and_one_deleted()) == ["occ-2"]
    assert exception_ids(convert.fill_event(CalendarItem(), weekly())) == []


def test_a_modified_occurrence_is_placed_at_its_original_start_in_utc() -> None:
    item = CalendarItem(type="Exception", original_start=EWSDateTime.from_datetime(START + WEEK))
    assert occurrence_of(item, "master") == Occurrence("master", START + WEEK)
    assert occurrence_of(item, None) is None  # its series unknown: not placed


def test_plain_occurrences_and_single_events_have_no_place() -> None:
    plain = CalendarItem(type="Occurrence", original_start=EWSDateTime.from_datetime(START))
    assert occurrence_of(plain, "master") is None
    assert occurrence_of(CalendarItem(type="Single"), "master") is None


def test_the_same_rule_written_another_way_is_the_same_rule() -> None:
    held = convert.fill_event(CalendarItem(), weekly())
    assert same_rule(held, weekly("FREQ=WEEKLY;COUNT=10"))  # Thursday is the start's day
    assert same_rule(held, weekly(zone="UTC"))  # the zone is compared on its own
    assert not same_rule(held, weekly("FREQ=WEEKLY;BYDAY=TH;COUNT=11"))
    assert not same_rule(held, weekly("FREQ=DAILY;COUNT=10"))
    assert not same_rule(held, Event.normalized(subject="One", start=START))
