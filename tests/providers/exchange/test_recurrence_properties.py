"""Property tests: a rule written to Exchange as an EWS recurrence reads back as a rule with the
same occurrences (dateutil's rrule expands both), or is refused as a whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, reject, settings

from connections.providers.exchange.recurrence import UnsupportedRecurrence, from_ews, to_ews
from syncengine.records import norm_rrule, rrule_parts
from tests.providers.rrules import expected_starts, series, weekly_in_days


@settings(max_examples=300, deadline=None)
@given(series(yearly_interval=False))
def test_an_ews_recurrence_reads_back_as_a_rule_with_the_same_occurrences(
    case: tuple[datetime, str, str],
) -> None:
    start, zone, rule = case
    try:
        written = to_ews(rule, start, zone)
    except UnsupportedRecurrence:
        # EWS's relative patterns name one day ("the second Tuesday"), never several.
        several = "," in rrule_parts(rule).get("BYDAY", "")
        relative = rule.startswith(("FREQ=MONTHLY", "FREQ=YEARLY"))
        assert (several and relative) or weekly_in_days(rule)
        reject()
    back = norm_rrule(from_ews(written, zone))
    until = start + timedelta(days=3 * 366)
    assert expected_starts(back, start, until) == expected_starts(rule, start, until)


def test_every_other_day_on_some_weekdays_is_refused_not_written_weekly() -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(UnsupportedRecurrence):
        to_ews("FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE", start, "UTC")
