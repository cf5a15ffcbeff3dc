"""The RRULE subset the Calendar emulator expands (RFC 5545 semantics, wall-clock time zones)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sandbox.google.recurrence import expand, parse

PARIS = ZoneInfo("Europe/Paris")
END = datetime(2030, 1, 1, tzinfo=UTC)


def _local(moments: list[object]) -> list[str]:
    return [m.isoformat() if isinstance(m, date) else str(m) for m in moments]


def test_monthly_last_friday_and_until() -> None:
    start = datetime(2026, 1, 30, 18, tzinfo=PARIS)
    rec = parse(["RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260501T000000Z"], PARIS)
    got = expand(start, PARIS, rec, END, 100)
    assert [m.date().isoformat() for m in got if isinstance(m, datetime)] == [
        "2026-01-30", "2026-02-27", "2026-03-27", "2026-04-24",
    ]  # fmt: skip


def test_monthly_by_month_day_skips_short_months() -> None:
    rec = parse(["RRULE:FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4"], None)
    got = expand(date(2026, 1, 31), None, rec, END, 100)
    assert _local(got) == ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]


def test_weekly_on_two_days_every_other_week_with_exdate() -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=PARIS)
    rec = parse(
        [
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5",
            "EXDATE;TZID=Europe/Paris:20260305T090000",
        ],
        PARIS,
    )
    got = expand(start, PARIS, rec, END, 100)
    assert [m.isoformat() for m in got if isinstance(m, datetime)] == [
        "2026-03-02T09:00:00+01:00",
        "2026-03-16T09:00:00+01:00",
        "2026-03-19T09:00:00+01:00",
        "2026-03-30T09:00:00+02:00",
    ]


def test_yearly_birthday_style_all_day_series_and_rdate() -> None:
    rec = parse(["RRULE:FREQ=YEARLY;COUNT=3", "RDATE;VALUE=DATE:20270101"], None)
    got = expand(date(2026, 2, 28), None, rec, END, 100)
    assert _local(got) == ["2026-02-28", "2027-01-01", "2027-02-28", "2028-02-28"]


def test_open_series_stop_at_the_window_end() -> None:
    rec = parse(["RRULE:FREQ=DAILY"], None)
    got = expand(
        datetime(2026, 1, 1, 8, tzinfo=UTC), None, rec, datetime(2026, 1, 4, tzinfo=UTC), 100
    )
    assert len(got) == 3


@pytest.mark.parametrize(
    "lines",
    [["RRULE:FREQ=HOURLY"], ["RRULE:FREQ=DAILY;BYHOUR=3"], ["RRULE:FREQ=DAILY;COUNT=2;UNTIL=20260101"],
     ["EXRULE:FREQ=DAILY"], ["RRULE:FREQ=WEEKLY;BYDAY=XX"], ["EXDATE:20260101"]],
)  # fmt: skip
def test_what_google_would_call_an_invalid_rule_is_rejected(lines: list[str]) -> None:
    with pytest.raises(ValueError):
        parse(lines, None)
