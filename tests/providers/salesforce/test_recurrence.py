"""RRULE <-> Recurrence2PatternText."""

from __future__ import annotations

import pytest

from connections.providers.salesforce.recurrence import UnsupportedRule, from_pattern, to_pattern


@pytest.mark.parametrize(
    ("rrule", "pattern"),
    [
        ("FREQ=DAILY;COUNT=10", "RRULE:FREQ=DAILY;INTERVAL=1;COUNT=10"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=TU;BYSETPOS=-1"),
        (
            "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
            "RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=12;BYMONTHDAY=24",
        ),
        (
            "FREQ=WEEKLY;UNTIL=20261231T230000",
            "RRULE:FREQ=WEEKLY;INTERVAL=1;UNTIL=20261231T230000Z",
        ),
        ("FREQ=DAILY;UNTIL=20261231", "RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20261231"),
    ],
)
def test_rules_become_salesforce_patterns_and_back(rrule: str, pattern: str) -> None:
    assert to_pattern(rrule) == pattern
    assert from_pattern(pattern) == from_pattern(to_pattern(from_pattern(pattern)))
    assert to_pattern(from_pattern(pattern)) == pattern


def test_the_rrule_line_is_found_among_other_icalendar_lines() -> None:
    text = "DTSTART;TZID=Europe/Oslo:20260504T093000\nRRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=1"
    assert from_pattern(text) == "FREQ=WEEKLY;BYDAY=MO"
    assert from_pattern(None) == "" and from_pattern("") == ""


@pytest.mark.parametrize(
    ("rrule", "words"),
    [
        ("FREQ=HOURLY;COUNT=3", "hourly"),
        ("FREQ=DAILY;BYHOUR=9,17", "BYHOUR"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
        ("FREQ=WEEKLY;BYDAY=XX", "invalid 'BYDAY'"),
        ("FREQ=DAILY;INTERVAL=two", "cannot hold this rule"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "not both"),
    ],
)
def test_rules_salesforce_cannot_hold_are_refused_in_plain_words(rrule: str, words: str) -> None:
    with pytest.raises(UnsupportedRule, match=words):
        to_pattern(rrule)
