"""Property tests: a rule written to Graph as a patternedRecurrence has the occurrences
dateutil's rrule gives the rule itself, and it reads back as the same rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connections.providers.microsoft.recurrence import (
    from_graph_recurrence,
    occurrence_starts,
    to_graph_recurrence,
)
from sandbox.microsoft.recurrence import dates as emulator_dates
from syncengine.records import norm_rrule
from tests.providers.rrules import ZONES, expected_starts, rules, starts, zoned


@settings(max_examples=300, deadline=None)
@given(data=st.data(), naive=starts, zone=st.sampled_from(ZONES))
def test_a_pattern_has_the_occurrences_of_its_rule(
    data: st.DataObject, naive: datetime, zone: str
) -> None:
    start = zoned(naive, zone)
    rule = data.draw(rules(start))
    until = start + timedelta(days=3 * 366)
    rec = to_graph_recurrence(rule, start.astimezone(UTC), zone)
    ours = occurrence_starts(rec, start.astimezone(UTC), zone, until)
    assert ours == expected_starts(rule, start, until)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), naive=starts, zone=st.sampled_from(ZONES))
def test_a_pattern_reads_back_as_a_rule_with_the_same_occurrences(
    data: st.DataObject, naive: datetime, zone: str
) -> None:
    start = zoned(naive, zone)
    rule = data.draw(rules(start))
    until = start + timedelta(days=3 * 366)
    back = norm_rrule(from_graph_recurrence(to_graph_recurrence(rule, start, zone), zone))
    assert expected_starts(back, start, until) == expected_starts(rule, start, until)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), naive=starts, zone=st.sampled_from(ZONES))
def test_the_emulator_expands_a_pattern_to_the_days_of_its_rule(
    data: st.DataObject, naive: datetime, zone: str
) -> None:
    start = zoned(naive, zone)
    rule = data.draw(rules(start))
    until = start + timedelta(days=3 * 366)
    rec = to_graph_recurrence(rule, start, zone)
    days = [s.astimezone(start.tzinfo).date() for s in expected_starts(rule, start, until)]
    assert list(emulator_dates(rec, until.date() - timedelta(days=1))) == days


def test_outlook_moves_day_31_to_the_last_day_of_a_shorter_month() -> None:
    # RFC 5545 (and so dateutil) skips the months without a 31st; Outlook does not.
    start = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    rec = to_graph_recurrence("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", start, "UTC")
    days = [
        s.date().isoformat()
        for s in occurrence_starts(rec, start, "UTC", datetime.max.replace(tzinfo=UTC))
    ]
    assert days == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert [
        s.date().isoformat()
        for s in expected_starts(
            "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", start, datetime.max.replace(tzinfo=UTC)
        )
    ] == ["2026-01-31", "2026-03-31", "2026-05-31"]
