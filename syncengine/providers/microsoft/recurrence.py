"""RFC 5545 RRULE text <-> Graph's patternedRecurrence.

Supported: FREQ DAILY / WEEKLY / MONTHLY / YEARLY with INTERVAL, BYDAY (an ordinal such as 2TU or
-1FR, or BYSETPOS, for the relative monthly and yearly patterns), BYMONTHDAY, BYMONTH, WKST, and
COUNT or UNTIL. What Graph's patterns cannot say (several BYMONTHDAY values, HOURLY, BYHOUR...)
raises UnsupportedRecurrence; the store refuses that write instead of writing something else.

Dates: Graph's range holds local dates in `recurrenceTimeZone`; UNTIL is written back as the last
second of the end date in that zone (UTC form), the inclusive end RFC 5545 means.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from syncengine.providers.microsoft.timezones import to_graph, to_iana

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
