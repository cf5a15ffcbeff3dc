"""RFC 5545 RRULE text <-> Graph's patternedRecurrence.

Supported: FREQ DAILY / WEEKLY / MONTHLY / YEARLY with INTERVAL, BYDAY (an ordinal such as 2TU or
-1FR, or BYSETPOS, for the relative monthly and yearly patterns), BYMONTHDAY, BYMONTH, WKST, and
COUNT or UNTIL. What Graph's patterns cannot say (several BYMONTHDAY values, HOURLY, BYHOUR, every
n > 1 days on some weekdays...) raises UnsupportedRecurrence; the store refuses that write instead
of writing something else. dateutil's rrule expands a pattern (`occurrence_starts`).

Dates: Graph's range holds local dates in `recurrenceTimeZone`; UNTIL is written back as the last
second of the end date in that zone (UTC form), the inclusive end RFC 5545 means.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, weekdays

from connections.providers.microsoft.timezones import to_graph, to_iana
from syncengine.records import rrule_parts, until_date

DAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday",
        "FR": "friday", "SA": "saturday", "SU": "sunday"}  # fmt: skip
RDAYS = {v: k for k, v in DAYS.items()}
INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
RINDEX = {v: k for k, v in INDEX.items()}
_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


class UnsupportedRecurrence(ValueError):
    """The rule has no equivalent in Graph's patternedRecurrence."""


def to_graph_recurrence(rrule: str, start: datetime, zone: str) -> dict[str, Any]:
    """`start` is the first occurrence (aware); `zone` the event's IANA zone."""
    p = rrule_parts(rrule)
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
    if freq == "DAILY" and days and interval != 1:
        # Every n days on some weekdays: a weekly pattern would be every n weeks.
        raise UnsupportedRecurrence(f"Outlook cannot repeat an event by this rule: {rrule}")
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
        rng.update(type="endDate", endDate=until_date(p["UNTIL"], zone).isoformat())
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


WEEKDAYS = dict(zip(DAYS.values(), weekdays, strict=True))
# dateutil's YEARLY (0) .. DAILY (3).
RULES: dict[str, Literal[0, 1, 2, 3]] = {"daily": DAILY, "weekly": WEEKLY, "absoluteMonthly": MONTHLY,
         "relativeMonthly": MONTHLY, "absoluteYearly": YEARLY, "relativeYearly": YEARLY}  # fmt: skip


def pattern_rule(rec: dict[str, Any], dtstart: datetime) -> rrule | None:
    """Outlook's pattern as a dateutil rule from `dtstart` (the range's start date at the series'
    wall time, aware); None for a pattern that has no occurrences (an unknown type, no days...)."""
    pattern, rng = rec.get("pattern") or {}, rec.get("range") or {}
    freq = RULES.get(pattern.get("type") or "")
    if freq is None:
        return None
    kind = pattern["type"]
    days = [WEEKDAYS[d] for d in pattern.get("daysOfWeek") or [] if d in WEEKDAYS]
    options: dict[str, Any] = {"interval": int(pattern.get("interval") or 1)}
    if kind in ("weekly", "relativeMonthly", "relativeYearly") and not days:
        return None
    if kind == "weekly":
        options["byweekday"] = days
        options["wkst"] = WEEKDAYS.get(pattern.get("firstDayOfWeek") or "sunday", weekdays[6])
    elif kind.startswith("relative"):
        n = RINDEX.get(pattern.get("index") or "first", 1)
        options["byweekday"] = [d(n) for d in days]
    elif kind.startswith("absolute"):
        # Outlook puts "day 31" on the last day of shorter months (RFC 5545 would skip them):
        # the last of days 28..31 that the month has.
        day = int(pattern.get("dayOfMonth") or 0)
        if not 1 <= day <= 31:
            return None
        options["bymonthday"] = tuple(range(min(day, 28), day + 1))
        options["bysetpos"] = -1
    if kind.endswith("Yearly"):
        options["bymonth"] = int(pattern.get("month") or 0)
        if not 1 <= options["bymonth"] <= 12:
            return None
    if rng.get("type") == "numbered":
        options["count"] = int(rng.get("numberOfOccurrences") or 0)
        if options["count"] < 1:
            return None
    elif rng.get("type") == "endDate" and rng.get("endDate"):
        end = date.fromisoformat(str(rng["endDate"])[:10])
        options["until"] = datetime.combine(end, time(23, 59, 59), dtstart.tzinfo)
    return rrule(freq, dtstart=dtstart, **options)


def occurrence_starts(
    rec: dict[str, Any], first_start: datetime, zone: str, until: datetime
) -> list[datetime]:
    """UTC starts of a patternedRecurrence's occurrences that begin before `until`.

    `first_start` is the series' start (aware); occurrences keep its wall time in `zone`."""
    rng = rec.get("range") or {}
    tz = ZoneInfo(zone)
    wall = first_start.astimezone(tz)
    first = date.fromisoformat(str(rng.get("startDate") or wall.date().isoformat())[:10])
    rule = pattern_rule(rec, datetime.combine(first, wall.time(), tz))
    if rule is None:
        return []
    out: list[datetime] = []
    for moment in rule:
        if moment.astimezone(UTC) >= until:
            break
        out.append(moment.astimezone(UTC))
    return out
