"""RFC 5545 RRULE text <-> exchangelib's recurrence objects (EWS `t:Recurrence`).

Supported: FREQ DAILY / WEEKLY / MONTHLY / YEARLY with INTERVAL, BYDAY (one ordinal day such as 2TU
or -1FR, or BYSETPOS, for the relative monthly and yearly patterns), one BYMONTHDAY, BYMONTH, WKST,
and COUNT or UNTIL. A rule EWS's patterns cannot say raises UnsupportedRecurrence: the store refuses
that write rather than writing a different series.

EWS's range holds local dates (in the event's zone); UNTIL is read back as the last second of the
end date in that zone, in UTC form: the inclusive end RFC 5545 means, as for Microsoft 365.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    EndDatePattern,
    NoEndPattern,
    NumberedPattern,
    Recurrence,
    RelativeMonthlyPattern,
    RelativeYearlyPattern,
    WeeklyPattern,
)

from syncengine.records import rrule_parts, until_date

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # exchangelib's weekday enum is 1-based: MO=1
_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")
_LAST = 5  # exchangelib's week_number enum: First..Fourth = 1..4, Last = 5


class UnsupportedRecurrence(ValueError):
    """The rule has no equivalent among EWS's recurrence patterns."""


def _refuse(rrule: str) -> UnsupportedRecurrence:
    return UnsupportedRecurrence(f"Exchange cannot repeat an event by this rule: {rrule}")


def to_ews(rrule: str, start: datetime, zone: str, all_day: bool = False) -> Recurrence:
    """`start` is the first occurrence (aware); `zone` the event's IANA zone."""
    p = rrule_parts(rrule)
    local = start.astimezone(UTC if all_day else ZoneInfo(zone))
    freq, interval = p.pop("FREQ", ""), int(p.pop("INTERVAL", "1") or 1)
    known = {"BYDAY", "BYMONTHDAY", "BYMONTH", "WKST", "COUNT", "UNTIL", "BYSETPOS"}
    if set(p) - known or freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise _refuse(rrule)
    days: list[int] = []
    ordinal: int | None = None
    for token in filter(None, p.get("BYDAY", "").split(",")):
        m = _BYDAY.match(token)
        if m is None:
            raise _refuse(rrule)
        if m.group(1):
            ordinal = int(m.group(1))
        days.append(DAYS.index(m.group(2)) + 1)
    if "BYSETPOS" in p:
        ordinal = int(p["BYSETPOS"])
    if freq == "DAILY" and days and interval != 1:
        # Every n days on some weekdays: a weekly pattern would be every n weeks.
        raise _refuse(rrule)
    pattern: object
    if freq == "DAILY" and not days:
        pattern = DailyPattern(interval=interval)
    elif freq in ("DAILY", "WEEKLY"):
        wkst = DAYS.index(p.get("WKST", "MO")) + 1 if p.get("WKST", "MO") in DAYS else 1
        pattern = WeeklyPattern(
            interval=interval,
            weekdays=days or [local.weekday() + 1],
            first_day_of_week=wkst,
        )
    else:
        month = int(p.get("BYMONTH") or local.month)
        if days:
            if len(days) != 1 or ordinal not in (1, 2, 3, 4, -1):
                raise _refuse(rrule)
            week = _LAST if ordinal == -1 else int(ordinal or 1)
            if freq == "MONTHLY":
                pattern = RelativeMonthlyPattern(
                    interval=interval, weekday=days[0], week_number=week
                )
            else:
                pattern = RelativeYearlyPattern(weekday=days[0], week_number=week, month=month)
        else:
            day = p.get("BYMONTHDAY") or str(local.day)
            if not day.isdigit():
                raise _refuse(rrule)
            if freq == "MONTHLY":
                pattern = AbsoluteMonthlyPattern(interval=interval, day_of_month=int(day))
            else:
                if interval != 1:
                    raise _refuse(rrule)
                pattern = AbsoluteYearlyPattern(day_of_month=int(day), month=month)
        if freq == "YEARLY" and interval != 1:
            raise _refuse(rrule)
    first = local.date()
    if "COUNT" in p:
        boundary: object = NumberedPattern(start=first, number=int(p["COUNT"]))
    elif "UNTIL" in p:
        boundary = EndDatePattern(start=first, end=until_date(p["UNTIL"], zone))
    else:
        boundary = NoEndPattern(start=first)
    return Recurrence(pattern=pattern, boundary=boundary)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def from_ews(recurrence: Recurrence | None, zone: str) -> str:
    """The RRULE (without `RRULE:`) for an exchangelib Recurrence; "" for none or an unknown one."""
    if recurrence is None or recurrence.pattern is None:
        return ""
    pat, interval = recurrence.pattern, int(getattr(recurrence.pattern, "interval", 1) or 1)
    parts: dict[str, str] = {}
    if isinstance(pat, DailyPattern):
        parts["FREQ"] = "DAILY"
    elif isinstance(pat, WeeklyPattern):
        parts["FREQ"] = "WEEKLY"
        weekdays = pat.weekdays if isinstance(pat.weekdays, list) else [pat.weekdays]
        parts["BYDAY"] = ",".join(DAYS[int(d) - 1] for d in weekdays if 1 <= int(d) <= 7)
        wkst = int(pat.first_day_of_week or 1)
        if wkst != 1:
            parts["WKST"] = DAYS[wkst - 1]
    elif isinstance(pat, AbsoluteMonthlyPattern | RelativeMonthlyPattern):
        parts["FREQ"] = "MONTHLY"
    elif isinstance(pat, AbsoluteYearlyPattern | RelativeYearlyPattern):
        parts["FREQ"] = "YEARLY"
        interval = 1
    else:
        return ""
    if isinstance(pat, RelativeMonthlyPattern | RelativeYearlyPattern):
        weekday = int(pat.weekday)
        if not 1 <= weekday <= 7:
            return ""  # "Day", "Weekday", "WeekendDay" have no single RRULE day
        n = -1 if int(pat.week_number) == _LAST else int(pat.week_number)
        parts["BYDAY"] = f"{n}{DAYS[weekday - 1]}"
    if isinstance(pat, AbsoluteMonthlyPattern | AbsoluteYearlyPattern):
        parts["BYMONTHDAY"] = str(int(pat.day_of_month))
    if isinstance(pat, AbsoluteYearlyPattern | RelativeYearlyPattern):
        parts["BYMONTH"] = str(int(pat.month))
    parts["INTERVAL"] = str(interval)
    boundary = recurrence.boundary
    if isinstance(boundary, NumberedPattern):
        parts["COUNT"] = str(int(boundary.number))
    elif isinstance(boundary, EndDatePattern):
        end = _as_date(boundary.end)
        if end is not None:
            last = datetime.combine(end, time(23, 59, 59), ZoneInfo(zone))
            parts["UNTIL"] = last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in parts.items())
