"""Calendar Event resources: validation of written bodies, the read-only parts Google adds,
times and instance identity."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.google.errors import ApiError, calendar_error, calendar_invalid
from sandbox.google.recurrence import Moment
from sandbox.google.store import rfc3339

EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Writable Event properties; other known properties are read-only and silently ignored.
WRITABLE = frozenset(
    [
        "anyoneCanAddSelf",
        "attachments",
        "attendees",
        "attendeesOmitted",
        "colorId",
        "conferenceData",
        "description",
        "end",
        "endTimeUnspecified",
        "eventType",
        "extendedProperties",
        "gadget",
        "guestsCanInviteOthers",
        "guestsCanModify",
        "guestsCanSeeOtherGuests",
        "location",
        "locked",
        "originalStartTime",
        "privateCopy",
        "recurrence",
        "reminders",
        "sequence",
        "source",
        "start",
        "status",
        "summary",
        "transparency",
        "visibility",
        "focusTimeProperties",
        "outOfOfficeProperties",
        "workingLocationProperties",
        "birthdayProperties",
    ]
)
STATUSES = ("confirmed", "tentative", "cancelled")
VISIBILITIES = ("default", "public", "private", "confidential")
RESPONSES = ("needsAction", "declined", "tentative", "accepted")


def zone(name: str | None, location: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise calendar_invalid(f"Invalid time zone definition for {location}.", location) from exc


def moment(value: Any, which: str) -> tuple[Moment, ZoneInfo | None]:
    """(date or aware datetime, the named zone) for an EventDateTime."""
    if not isinstance(value, dict) or not (value.get("date") or value.get("dateTime")):
        raise calendar_error(400, "required", f"Missing {which} time.")
    if value.get("date") and value.get("dateTime"):
        # What Google answers when a PATCH adds `date` to a timed event (or the reverse)
        # without clearing the other key: the merged EventDateTime holds both.
        raise calendar_invalid(f"Invalid {which} time.", which)
    tz = zone(value.get("timeZone"), f"{which} time")
    try:
        if value.get("date"):
            return date.fromisoformat(value["date"]), tz
        parsed = datetime.fromisoformat(str(value["dateTime"]))
    except ValueError as exc:
        raise calendar_invalid(f"Invalid {which} time.", which) from exc
    if parsed.tzinfo is None:
        if tz is None:
            raise calendar_error(400, "required", f"Missing time zone definition for {which} time.")
        parsed = parsed.replace(tzinfo=tz)
    return parsed, tz


def fmt_moment(value: Moment, tz: ZoneInfo | None) -> dict[str, str]:
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    local = value.astimezone(tz) if tz else value
    text = local.isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"dateTime": text, "timeZone": tz.key} if tz else {"dateTime": text}


def as_utc(value: Moment) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, datetime.min.time(), tzinfo=UTC)


def instance_suffix(value: Moment) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def check_id(event_id: Any) -> str:
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise calendar_invalid("Invalid resource id value.")
    return event_id


def validate(data: dict[str, Any]) -> None:
    """Checks a complete (merged) event body; raises ApiError the way Calendar answers."""
    if data.get("status", "confirmed") not in STATUSES:
        raise calendar_invalid("Invalid value for: status")
    if data.get("visibility", "default") not in VISIBILITIES:
        raise calendar_invalid("Invalid value for: visibility")
    start, start_tz = moment(data.get("start"), "start")
    end, _ = moment(data.get("end"), "end")
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise calendar_invalid("Start and end times must either both be date or both be dateTime.")
    if as_utc(end) <= as_utc(start) and not (start == end and not isinstance(start, datetime)):
        raise calendar_error(
            400, "timeRangeEmpty", "The specified time range is empty.", location="end"
        )
    if data.get("recurrence"):
        if isinstance(start, datetime) and start_tz is None:
            raise calendar_error(400, "required", "Missing time zone definition for start time.")
        from sandbox.google.recurrence import parse

        try:
            parse(list(data["recurrence"]), start_tz)
        except (ValueError, TypeError, KeyError, ZoneInfoNotFoundError) as exc:
            raise calendar_invalid("Invalid recurrence rule.") from exc
    for attendee in data.get("attendees") or []:
        if not isinstance(attendee, dict) or not attendee.get("email"):
            raise calendar_error(400, "required", "Missing attendee email.")
        if not EMAIL.fullmatch(str(attendee["email"]).strip()):
            raise calendar_invalid("Invalid attendee email.")
        if attendee.get("responseStatus", "needsAction") not in RESPONSES:
            raise calendar_invalid("Invalid attendee response status.")
    props = data.get("extendedProperties") or {}
    for scope in ("private", "shared"):
        for key, value in (props.get(scope) or {}).items():
            if not isinstance(value, str) or len(key) > 44 or len(value) > 1024:
                raise calendar_invalid("Invalid extended property value.")


def writable(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise calendar_invalid("Parse Error", reason="parseError")
    return {k: v for k, v in body.items() if k in WRITABLE}


def merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Patch semantics: nested objects merge (start and end too, as Google documents for
    PATCH), lists are replaced, null removes a key."""
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def decorate(data: dict[str, Any], owner: str, organizer: str = "") -> dict[str, Any]:
    """Normalizes times (offsets always present) and adds the read-only attendee flags Google
    computes for the calendar owner."""
    for key in ("start", "end", "originalStartTime"):
        if isinstance(data.get(key), dict) and data[key].get("dateTime"):
            value, tz = moment(data[key], key)
            data[key] = fmt_moment(value, tz)
    attendees = []
    for attendee in data.get("attendees") or []:
        item = {k: v for k, v in attendee.items() if k not in ("self", "organizer")}
        item["email"] = str(item["email"]).strip()
        item.setdefault("responseStatus", "needsAction")
        if item["email"].lower() == owner:
            item["self"] = True
        if item["email"].lower() == (organizer or owner):
            item["organizer"] = True
        attendees.append(item)
    if attendees:
        data["attendees"] = attendees
    else:
        data.pop("attendees", None)
    props = data.get("extendedProperties")
    if isinstance(props, dict):
        cleaned = {k: v for k, v in props.items() if v}
        if cleaned:
            data["extendedProperties"] = cleaned
        else:
            data.pop("extendedProperties")
    if data.get("visibility") == "default":
        data.pop("visibility")
    if data.get("transparency") == "opaque":
        data.pop("transparency")
    data.setdefault("reminders", {"useDefault": True})
    data.setdefault("eventType", "default")
    data.setdefault("status", "confirmed")
    return data


def envelope(
    data: dict[str, Any], event_id: str, owner: str, created: datetime, seq: int
) -> dict[str, Any]:
    eid = base64.urlsafe_b64encode(f"{event_id} {owner}".encode()).decode().rstrip("=")
    return {
        "kind": "calendar#event",
        "etag": f'"{int(created.timestamp()) * 1000000 + seq:d}"',
        "id": event_id,
        "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
        "created": rfc3339(created),
        "creator": {"email": owner, "self": True},
        "organizer": {"email": owner, "self": True},
        "iCalUID": f"{event_id}@google.com",
        "sequence": 0,
        **data,
    }


def retire_error() -> ApiError:
    return calendar_error(410, "deleted", "Resource has been deleted")
