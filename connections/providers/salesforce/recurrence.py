"""RRULE <-> Salesforce ``Recurrence2PatternText``.

Lightning event series keep an RFC 5545 RRULE subset in ``Recurrence2PatternText``
(``RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=10``), the series' zone in
``Recurrence2PatternTimeZone`` and the first occurrence in StartDateTime/EndDateTime.

What the pattern cannot hold (checked before writing, so the item fails alone with a clear
message instead of a Salesforce error): sub-daily frequencies and the BYHOUR/BYMINUTE/BYSECOND/
BYWEEKNO/BYYEARDAY parts. Removed occurrences (EXDATE) have no place in the pattern either; in
Salesforce they are missing occurrence rows (stores/series.py, docs/series.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from syncengine.records import norm_rrule

SUPPORTED_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
SUPPORTED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)


class UnsupportedRule(ValueError):
    """The rule uses something Salesforce's pattern text cannot express."""


def parts(rrule: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in norm_rrule(rrule).split(";"):
        key, _, value = chunk.partition("=")
        if key:
            out[key] = value
    return out


def check(rrule: str) -> None:
    found = parts(rrule)
    if found.get("FREQ") not in SUPPORTED_FREQ:
        raise UnsupportedRule(
            f"Salesforce event series repeat daily, weekly, monthly or yearly, not "
            f"{found.get('FREQ', '(no frequency)').lower()}"
        )
    extra = sorted(set(found) - SUPPORTED_PARTS)
    if extra:
        raise UnsupportedRule(f"Salesforce event series cannot hold {', '.join(extra)}")
    if "COUNT" in found and "UNTIL" in found:
        raise UnsupportedRule("a series ends after a number of times or on a date, not both")
    try:
        # dateutil reads the values (days, numbers, dates) as RFC 5545 defines them.
        rrulestr(norm_rrule(rrule), dtstart=datetime(2000, 1, 1), ignoretz=True)
    except ValueError as error:
        raise UnsupportedRule(f"Salesforce event series cannot hold this rule: {error}") from None


def _until_utc(value: str) -> str:
    """UNTIL as Salesforce writes it: a UTC date-time (``20260601T000000Z``); a date stays a
    date (all-day series)."""
    if "T" not in value:
        return value
    if value.endswith("Z"):
        return value
    naive = datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
    return naive.replace(tzinfo=UTC).strftime("%Y%m%dT%H%M%SZ")


def to_pattern(rrule: str) -> str:
    """The pattern text for a normalized RRULE (raises UnsupportedRule)."""
    check(rrule)
    found = parts(rrule)
    if "UNTIL" in found:
        found["UNTIL"] = _until_utc(found["UNTIL"])
    found.setdefault("INTERVAL", "1")
    ordered = ["FREQ", "INTERVAL"] + sorted(k for k in found if k not in ("FREQ", "INTERVAL"))
    return "RRULE:" + ";".join(f"{k}={found[k]}" for k in ordered)


def from_pattern(text: str | None) -> str:
    """The normalized RRULE of a pattern text ('' when there is none). Salesforce may append
    other iCalendar lines; only the RRULE line is the rule."""
    for line in (text or "").replace("\r", "\n").split("\n"):
        line = line.strip()
        if line.upper().startswith("RRULE:"):
            return norm_rrule(line)
    return norm_rrule(text or "") if "FREQ=" in (text or "").upper() else ""


# A rule without an end is expanded no further than this many occurrences.
MAX_OCCURRENCES = 1000


def occurrence_starts(
    text: str | None, first: datetime, zone: str, all_day: bool, until: datetime
) -> list[datetime]:
    """The UTC starts a series' pattern gives, from its first start to `until` at the latest:
    expanded at the wall time of `zone` (UTC dates for all-day series), so a weekly 9:00 stays at
    9:00 across daylight saving. UNTIL in the pattern is a UTC time (or a date)."""
    rule = from_pattern(text)
    if not rule:
        return []
    tz = ZoneInfo("UTC") if all_day else _zone(zone)
    found = parts(rule)
    if "UNTIL" in found:
        value = found["UNTIL"]
        if "T" not in value:
            found["UNTIL"] = value + "T235959"
        elif value.endswith("Z") and not all_day:
            moment = datetime.strptime(value[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            found["UNTIL"] = moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")
        else:
            found["UNTIL"] = value[:15]
    text_rule = ";".join(f"{k}={v}" for k, v in found.items())
    start = first.astimezone(tz).replace(tzinfo=None)
    try:
        expanded = rrulestr(text_rule, dtstart=start)
    except ValueError:
        return []
    out: list[datetime] = []
    for moment in expanded:
        aware = moment.replace(tzinfo=tz).astimezone(UTC)
        if aware > until or len(out) >= MAX_OCCURRENCES:
            break
        out.append(aware)
    return out


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
