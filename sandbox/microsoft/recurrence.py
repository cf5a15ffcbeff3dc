"""Time zones as Graph accepts them (Windows or IANA names) and patternedRecurrence expansion."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, weekdays
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from sandbox.microsoft.errors import GraphError

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
INDEXES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
PATTERNS = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGES = ("endDate", "noEnd", "numbered")
# A "noEnd" series is expanded at most this far; calendar windows are much shorter.
HORIZON_DAYS = 366 * 20
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


def zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "ETC/UTC", "COORDINATED UNIVERSAL TIME", "TZONE://MICROSOFT/UTC"):
        return UTC
    try:
        return ZoneInfo(MS_TIMEZONE_TO_IANA_MAP.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        raise GraphError(
            400,
            "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
        ) from None


def parse_local(value: Any, field: str) -> tuple[datetime, str]:
    """``{"dateTime", "timeZone"}`` -> (naive wall time, zone name as given)."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise GraphError(
            400, "ErrorInvalidRequest", f"The '{field}' property must be a dateTimeTimeZone."
        )
    tz_name = value.get("timeZone") or "UTC"
    zone(tz_name)
    m = _DATETIME.fullmatch(value["dateTime"].strip())
    if m is None:
        raise GraphError(
            400,
            "RequestBodyRead",
            f"Cannot convert the literal '{value['dateTime']}' to a DateTime.",
        )
    return datetime.fromisoformat(m.group(1)), tz_name


def to_utc(wall: datetime, tz_name: str) -> datetime:
    return wall.replace(tzinfo=zone(tz_name)).astimezone(UTC)


def render(moment: datetime, tz_name: str) -> dict[str, str]:
    local = moment.astimezone(zone(tz_name)) if moment.tzinfo else moment
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": tz_name}


def parse_window(raw: str | None, name: str) -> datetime:
    message = (
        "This request requires a time window specified by the query string parameters "
        "StartDateTime and EndDateTime."
    )
    if not raw:
        raise GraphError(400, "ErrorInvalidParameter", message)
    m = _DATETIME.fullmatch(raw.strip().replace(" ", "+"))
    if m is None:
        raise GraphError(
            400, "ErrorInvalidParameter", f"The value '{raw}' of parameter '{name}' is invalid."
        )
    offset = m.group(3) or "Z"
    moment = datetime.fromisoformat(m.group(1) + ("+00:00" if offset == "Z" else offset))
    return moment.astimezone(UTC)


def validate(rec: Any) -> None:
    def bad(why: str) -> GraphError:
        return GraphError(400, "ErrorInvalidRequest", f"The recurrence is not valid: {why}")

    if (
        not isinstance(rec, dict)
        or not isinstance(rec.get("pattern"), dict)
        or not isinstance(rec.get("range"), dict)
    ):
        raise bad("pattern and range are required.")
    pattern, rng = rec["pattern"], rec["range"]
    if pattern.get("type") not in PATTERNS:
        raise bad(f"unknown pattern type '{pattern.get('type')}'.")
    if rng.get("type") not in RANGES:
        raise bad(f"unknown range type '{rng.get('type')}'.")
    if int(pattern.get("interval") or 0) < 1:
        raise bad("interval must be at least 1.")
    days = pattern.get("daysOfWeek") or []
    if any(d not in WEEKDAYS for d in days):
        raise bad("daysOfWeek holds an unknown day.")
    if pattern["type"] in ("weekly", "relativeMonthly", "relativeYearly") and not days:
        raise bad("daysOfWeek is required for this pattern.")
    if pattern["type"] in ("absoluteMonthly", "absoluteYearly") and not pattern.get("dayOfMonth"):
        raise bad("dayOfMonth is required for this pattern.")
    if pattern["type"].endswith("Yearly") and not pattern.get("month"):
        raise bad("month is required for this pattern.")
    try:
        date.fromisoformat(rng.get("startDate") or "")
        if rng["type"] == "endDate":
            date.fromisoformat(rng.get("endDate") or "")
    except ValueError:
        raise bad("startDate (and endDate for an endDate range) must be dates.") from None
    if rng["type"] == "numbered" and int(rng.get("numberOfOccurrences") or 0) < 1:
        raise bad("numberOfOccurrences must be at least 1.")
    if rng.get("recurrenceTimeZone"):
        zone(rng["recurrenceTimeZone"])


# dateutil's YEARLY (0) .. DAILY (3).
_RULES: dict[str, Literal[0, 1, 2, 3]] = {"daily": DAILY, "weekly": WEEKLY, "absoluteMonthly": MONTHLY,
          "relativeMonthly": MONTHLY, "absoluteYearly": YEARLY, "relativeYearly": YEARLY}  # fmt: skip


def _options(pattern: dict[str, Any]) -> dict[str, Any]:
    """dateutil's rrule arguments for a validated pattern (Outlook's rules, as Exchange applies
    them; kept apart from the product's own reading of patterns, which this emulator checks)."""
    days = [weekdays[WEEKDAYS.index(d)] for d in pattern.get("daysOfWeek") or []]
    kind = pattern["type"]
    options: dict[str, Any] = {"interval": int(pattern.get("interval") or 1)}
    if kind == "weekly":
        options.update(
            byweekday=days, wkst=WEEKDAYS.index(pattern.get("firstDayOfWeek") or "sunday")
        )
    elif kind in ("relativeMonthly", "relativeYearly"):
        nth = INDEXES.get(pattern.get("index") or "first", 0)
        options["byweekday"] = [d(nth + 1 if nth >= 0 else nth) for d in days]
    elif kind in ("absoluteMonthly", "absoluteYearly"):
        # Outlook moves day 29-31 to the month's last day when the month is shorter.
        wanted = int(pattern["dayOfMonth"])
        options.update(bymonthday=list(range(min(wanted, 28), wanted + 1)), bysetpos=-1)
    if kind.endswith("Yearly"):
        options["bymonth"] = int(pattern["month"])
    return options


def dates(rec: dict[str, Any], until: date) -> Iterator[date]:
    """Occurrence dates of a series, in order, up to ``until`` (inclusive)."""
    pattern, rng = rec["pattern"], rec["range"]
    start = date.fromisoformat(rng["startDate"])
    last = start + timedelta(days=HORIZON_DAYS)
    if rng["type"] == "endDate":
        last = min(last, date.fromisoformat(rng["endDate"]))
    last = min(last, until)
    if last < start:
        return
    count = int(rng.get("numberOfOccurrences") or 0) if rng["type"] == "numbered" else None
    rule = rrule(
        _RULES[pattern["type"]], dtstart=datetime.combine(start, time(0)), count=count,
        until=None if count else datetime.combine(last, time(0)), **_options(pattern),
    )  # fmt: skip
    for moment in rule:
        if moment.date() > last:
            return
        yield moment.date()
