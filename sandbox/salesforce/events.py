"""Salesforce's Event rules: derived dates and durations, all-day events, the 14-day limit
and Lightning recurrence (Recurrence2) fields.

All-day events are stored as Salesforce returns them: StartDateTime is midnight UTC of
ActivityDate, EndDateTime is midnight UTC of the *last* day (inclusive), and DurationInMinutes
is 1440 per day. Timed events get ActivityDate/EndDate in the writing user's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.salesforce.errors import RecordError

MAX_MINUTES = 14 * 1440


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _missing(name: str) -> RecordError:
    return RecordError(
        "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", 400, [name]
    )


def _too_long() -> RecordError:
    return RecordError(
        "FIELD_INTEGRITY_EXCEPTION",
        "Event duration can't exceed 14 days",
        400,
        ["DurationInMinutes"],
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def apply_rules(record: dict[str, Any], changed: set[str], time_zone: str | None) -> None:
    if record.get("IsAllDayEvent"):
        _all_day(record, changed)
    else:
        _timed(record, changed, _zone(time_zone))
    record["ShowAs"] = record.get("ShowAs") or "Busy"
    if record.get("IsRecurrence2"):
        if not record.get("Recurrence2PatternText"):
            raise _missing("Recurrence2PatternText")
        if not str(record["Recurrence2PatternText"]).startswith("RRULE:"):
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                "Recurrence2PatternText: the recurrence pattern must be an RRULE",
                400,
                ["Recurrence2PatternText"],
            )
        record["Recurrence2PatternStartDate"] = (
            record.get("Recurrence2PatternStartDate") or record["StartDateTime"]
        )
        record["Recurrence2PatternVersion"] = record.get("Recurrence2PatternVersion") or "1"
        record["Recurrence2PatternTimeZone"] = record.get("Recurrence2PatternTimeZone") or (
            time_zone or "UTC"
        )


def _all_day(record: dict[str, Any], changed: set[str]) -> None:
    start_dt = record.get("StartDateTime")
    if "StartDateTime" in changed and start_dt is not None:
        first = start_dt.date()
    elif record.get("ActivityDate") is not None:
        first = record["ActivityDate"]
    elif start_dt is not None:
        first = start_dt.date()
    else:
        raise _missing("ActivityDate")
    if "DurationInMinutes" in changed and record.get("DurationInMinutes") is not None:
        days = -(-int(record["DurationInMinutes"]) // 1440)
    elif "EndDateTime" in changed and record.get("EndDateTime") is not None:
        days = (record["EndDateTime"].date() - first).days + 1
    elif record.get("DurationInMinutes"):
        days = -(-int(record["DurationInMinutes"]) // 1440)
    else:
        days = 1
    if days < 1:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            "EndDateTime: End time can't be before start time",
            400,
            ["EndDateTime"],
        )
    if days * 1440 > MAX_MINUTES:
        raise _too_long()
    last = first + timedelta(days=days - 1)
    record.update(
        ActivityDate=first,
        ActivityDateTime=None,
        StartDateTime=_midnight(first),
        EndDateTime=_midnight(last),
        EndDate=last,
        DurationInMinutes=days * 1440,
    )


def _timed(record: dict[str, Any], changed: set[str], zone: ZoneInfo) -> None:
    start = record.get("StartDateTime")
    if "ActivityDateTime" in changed and record.get("ActivityDateTime") is not None:
        start = record["ActivityDateTime"]
    if start is None:
        raise _missing("ActivityDateTime")
    if "EndDateTime" in changed and record.get("EndDateTime") is not None:
        end = record["EndDateTime"]
    elif record.get("DurationInMinutes") is not None:
        end = start + timedelta(minutes=int(record["DurationInMinutes"]))
    elif record.get("EndDateTime") is not None:
        end = record["EndDateTime"]
    else:
        raise _missing("DurationInMinutes")
    if end < start:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            "EndDateTime: End time can't be before start time",
            400,
            ["EndDateTime"],
        )
    minutes = int((end - start).total_seconds() // 60)
    if minutes > MAX_MINUTES:
        raise _too_long()
    record.update(
        StartDateTime=start,
        ActivityDateTime=start,
        EndDateTime=end,
        DurationInMinutes=minutes,
        ActivityDate=start.astimezone(zone).date(),
        EndDate=end.astimezone(zone).date(),
    )
