"""Property tests: a rule written to Graph as a patternedRecurrence has the occurrences
dateutil's rrule gives the rule itself, in the product and in the emulator, and it reads back
as a rule with the same occurrences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, reject, settings

from connections.providers.microsoft.recurrence import (
    UnsupportedRecurrence,
    from_graph_recurrence,
    occurrence_starts,
    to_graph_recurrence,
)
from sandbox.microsoft.recurrence import dates as emulator_dates
from syncengine.records import norm_rrule
from tests.providers.rrules import expected_starts, series, weekly_in_days

FAR = datetime.max.replace(tzinfo=UTC)


def written(rule: str, start: datetime, zone: str) -> dict[str, object]:
    """The pattern written for `rule`; a rule Outlook cannot hold must be one of those refused."""
    try:
        return to_graph_recurrence(rule, start.astimezone(UTC), zone)
    except UnsupportedRecurrence:
        assert weekly_in_days(rule)
        reject()


def three_years(start: datetime) -> datetime:
    return start + timedelta(days=3 * 366)


@settings(max_examples=300, deadline=None)
@given(series())
def test_a_pattern_has_the_occurrences_of_its_rule(case: tuple[datetime, str, str]) -> None:
    start, zone, rule = case
    rec = written(rule, start, zone)
    ours = occurrence_starts(rec, start.astimezone(UTC), zone, three_years(start))
    assert ours == expected_starts(rule, start, three_years(start))


@settings(max_examples=200, deadline=None)
@given(series())
def test_the_emulator_expands_a_pattern_to_the_days_of_its_rule(
    case: tuple[datetime, str, str],
) -> None:
    start, zone, rule = case
    until = three_years(start)
    days = [s.astimezone(start.tzinfo).date() for s in expected_starts(rule, start, until)]
    rec = written(rule, start, zone)
    # The last day before `until`: its occurrence, at the series' wall time, is before it.
    assert list(emulator_dates(rec, until.date() - timedelta(days=1))) == days


@settings(max_examples=300, deadline=None)
@given(series())
def test_a_pattern_reads_back_as_a_rule_with_the_same_occurrences(
    case: tuple[datetime, str, str],
) -> None:
    start, zone, rule = case
    back = norm_rrule(from_graph_recurrence(written(rule, start, zone), zone))
    assert expected_starts(back, start, three_years(start)) == expected_starts(
        rule, start, three_years(start)
    )


def test_outlook_moves_day_31_to_the_last_day_of_a_shorter_month() -> None:
    # RFC 5545, and so dateutil, skips the months without a 31st; Outlook does not.
    rule = "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3"
    start = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    rec = to_graph_recurrence(rule, start, "UTC")
    outlook = [s.date().isoformat() for s in occurrence_starts(rec, start, "UTC", FAR)]
    assert outlook == ["2026-01-31", "2026-02-28", "2026-03-31"]
    rfc = [s.date().isoformat() for s in expected_starts(rule, start, FAR)]
    assert rfc == ["2026-01-31", "2026-03-31", "2026-05-31"]


def test_every_other_day_on_some_weekdays_is_refused_not_written_weekly() -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(UnsupportedRecurrence):
        to_graph_recurrence("FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE", start, "UTC")
    every_day = to_graph_recurrence("FREQ=DAILY;BYDAY=MO,WE", start, "UTC")
    assert every_day["pattern"]["type"] == "weekly"
