"""RFC 5545 RRULE text <-> Graph's patternedRecurrence.

Supported: FREQ DAILY / WEEKLY / MONTHLY / YEARLY with INTERVAL, BYDAY (an ordinal such as 2TU or
-1FR, or BYSETPOS, for the relative monthly and yearly patterns), BYMONTHDAY, BYMONTH, WKST, and
COUNT or UNTIL. What Graph's patterns cannot say (several BYMONTHDAY values, HOURLY, BYHOUR...)
raises UnsupportedRecurrence; the store refuses that write instead of writing something else.

Dates: Graph's range holds local dates in `recurrenceTimeZone`; UNTIL is written back as the last
second of the end date in that zone (UTC form), the inclusive end RFC 5545 means.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connections.providers.microsoft.timezones import to_graph, to_iana

DAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday",
        "FR": "friday", "SA": "saturday", "SU": "sunday"}  # fmt: skip
RDAYS = {v: k for k, v in DAYS.items()}
INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
RINDEX = {v: k for k, v in INDEX.items()}
_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


class UnsupportedRecurrence(ValueError):
    """The rule has no equivalent in Graph's patternedRecurrence."""


def _parts(rrule: str) -> dict[str, str]:
    out = {}
    for chunk in rrule.upper().removeprefix("RRULE:").split(";"):
        if "=" in chunk:
            key, _, value = chunk.partition("=")
            out[key.strip()] = value.strip()
    return out


def _until(value: str, zone: str) -> date:
    if "T" in value:
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
        if value.endswith("Z"):
            return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
        return moment.date()
    return datetime.strptime(value, "%Y%m%d").date()


def to_graph_recurrence(rrule: str, start: datetime, zone: str) -> dict[str, Any]:
    """`start` is the first occurrence (aware); `zone` the event's IANA zone."""
    p = _parts(rrule)
    local = start.astimezone(ZoneInfo(zone))
    freq, interval = p.pop("FREQ", ""), int(p.pop("INTERVAL", "1") or 1)
    known = {"BYDAY", "BYMONTHDAY", "BYMONTH", "WKST", "COUNT", "UNTIL", "BYSETPOS"}
    if set(p) - known or freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise UnsupportedRecurrence(f"Outlook cannot repeat an event by this rule: {rrule}")
    days, ordinal = [], None
    for token in filter(None, p.get("BYDAY", "").split(",")):
        m = _BYDAY.match(token)
        if m is None:
            raise UnsupportedRecurrence(f"Outlook cannot repeat an event by this rule: {rrule}")
        if m.group(1):
            ordinal = int(m.group(1))
        days.append(DAYS[m.group(2)])
    if "BYSETPOS" in p:
        ordinal = int(p["BYSETPOS"])
    pattern: dict[str, Any] = {"interval": interval}
    if freq == "DAILY":
        if days:
            pattern.update(type="weekly", daysOfWeek=days)
        else:
            pattern["type"] = "daily"
    elif freq == "WEEKLY":
        pattern.update(type="weekly", daysOfWeek=days or [list(DAYS.values())[local.weekday()]])
    else:
        if freq == "YEARLY":
            pattern["month"] = int(p.get("BYMONTH") or local.month)
        if days:
            if ordinal not in INDEX:
                raise UnsupportedRecurrence(f"Outlook cannot repeat an event by this rule: {rrule}")
            pattern.update(daysOfWeek=days, index=INDEX[ordinal])
            pattern["type"] = "relativeMonthly" if freq == "MONTHLY" else "relativeYearly"
        else:
            day = p.get("BYMONTHDAY") or str(local.day)
            if not day.isdigit():
                raise UnsupportedRecurrence(f"Outlook cannot repeat an event by this rule: {rrule}")
            pattern.update(dayOfMonth=int(day))
            pattern["type"] = "absoluteMonthly" if freq == "MONTHLY" else "absoluteYearly"
    pattern["firstDayOfWeek"] = DAYS.get(p.get("WKST", "MO"), "monday")
    rng: dict[str, Any] = {
        "startDate": local.date().isoformat(),
        "recurrenceTimeZone": to_graph(zone),
    }
    if "COUNT" in p:
        rng.update(type="numbered", numberOfOccurrences=int(p["COUNT"]))
    elif "UNTIL" in p:
        rng.update(type="endDate", endDate=_until(p["UNTIL"], zone).isoformat())
    else:
        rng["type"] = "noEnd"
    return {"pattern": pattern, "range": rng}


def from_graph_recurrence(rec: dict[str, Any], zone: str) -> str:
    """The RRULE (without `RRULE:`) for a patternedRecurrence; `zone` is the event's IANA zone."""
    pattern, rng = rec.get("pattern") or {}, rec.get("range") or {}
    kind = pattern.get("type") or "daily"
    parts = {"FREQ": {"daily": "DAILY", "weekly": "WEEKLY"}.get(kind, "")}
    if kind.endswith("Monthly"):
        parts["FREQ"] = "MONTHLY"
    elif kind.endswith("Yearly"):
        parts["FREQ"] = "YEARLY"
    if not parts["FREQ"]:
        return ""
    parts["INTERVAL"] = str(int(pattern.get("interval") or 1))
    days = [RDAYS[d] for d in pattern.get("daysOfWeek") or [] if d in RDAYS]
    if kind == "weekly" and days:
        parts["BYDAY"] = ",".join(days)
    elif kind.startswith("relative") and days:
        n = RINDEX.get(pattern.get("index") or "first", 1)
        parts["BYDAY"] = ",".join(f"{n}{d}" for d in days)
    elif kind.startswith("absolute"):
        parts["BYMONTHDAY"] = str(int(pattern.get("dayOfMonth") or 1))
    if kind.endswith("Yearly"):
        parts["BYMONTH"] = str(int(pattern.get("month") or 1))
    first = RDAYS.get(pattern.get("firstDayOfWeek") or "monday", "MO")
    if first != "MO" and kind == "weekly":
        parts["WKST"] = first
    if rng.get("type") == "numbered":
        parts["COUNT"] = str(int(rng.get("numberOfOccurrences") or 1))
    elif rng.get("type") == "endDate" and rng.get("endDate"):
        tz = ZoneInfo(
            to_iana(rng.get("recurrenceTimeZone")) if rng.get("recurrenceTimeZone") else zone
        )
        last = datetime.combine(date.fromisoformat(str(rng["endDate"])[:10]), time(23, 59, 59), tz)
        parts["UNTIL"] = last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _relative_day(d: date, days: list[str], index: str) -> bool:
    if list(DAYS.values())[d.weekday()] not in days:
        return False
    if index == "last":
        return (d + timedelta(days=7)).month != d.month
    return (d.day - 1) // 7 == RINDEX.get(index or "first", 1) - 1


def _on(pattern: dict[str, Any], first: date, d: date) -> bool:
    kind, interval = pattern.get("type"), int(pattern.get("interval") or 1)
    days = pattern.get("daysOfWeek") or []
    months = (d.year - first.year) * 12 + d.month - first.month
    if kind == "daily":
        return (d - first).days % interval == 0
    if kind == "weekly":
        wkst = list(DAYS.values()).index(pattern.get("firstDayOfWeek") or "sunday")

        def week(x: date) -> date:
            return x - timedelta(days=(x.weekday() - wkst) % 7)

        return ((week(d) - week(first)).days // 7) % interval == 0 and list(DAYS.values())[
            d.weekday()
        ] in days
    # Outlook puts "day 31" on the last day of shorter months (RFC 5545 would skip them).
    day = min(int(pattern.get("dayOfMonth") or 0), calendar.monthrange(d.year, d.month)[1])
    if kind == "absoluteMonthly":
        return months % interval == 0 and d.day == day
    if kind == "relativeMonthly":
        return months % interval == 0 and _relative_day(d, days, pattern.get("index") or "first")
    in_year = (d.year - first.year) % interval == 0 and d.month == int(pattern.get("month") or 0)
    if kind == "absoluteYearly":
        return in_year and d.day == day
    return in_year and _relative_day(d, days, pattern.get("index") or "first")


def occurrence_starts(
    rec: dict[str, Any], first_start: datetime, zone: str, until: datetime
) -> list[datetime]:
    """UTC starts of a patternedRecurrence's occurrences that begin before `until`.

    `first_start` is the series' start (aware); occurrences keep its wall time in `zone`."""
    pattern, rng = rec.get("pattern") or {}, rec.get("range") or {}
    tz = ZoneInfo(zone)
    wall = first_start.astimezone(tz)
    first = date.fromisoformat(str(rng.get("startDate") or wall.date().isoformat())[:10])
    last = until.astimezone(tz).date()
    if rng.get("type") == "endDate" and rng.get("endDate"):
        last = min(last, date.fromisoformat(str(rng["endDate"])[:10]))
    left = int(rng.get("numberOfOccurrences") or 0) if rng.get("type") == "numbered" else -1
    out: list[datetime] = []
    d = first
    while d <= last and left != 0:
        if _on(pattern, first, d):
            left -= 1
            moment = datetime.combine(d, wall.time(), tz).astimezone(UTC)
            if moment < until:
                out.append(moment)
        d += timedelta(days=1)
    return out
