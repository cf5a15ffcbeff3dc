"""Event properties: validation, storage, series expansion and Graph's JSON representation."""

from __future__ import annotations

import base64
import binascii
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sandbox.microsoft.common import check_properties, iso7
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.meetings import meeting_json
from sandbox.microsoft.recurrence import dates, parse_local, render, to_utc, validate, zone
from sandbox.microsoft.state import Item, Mailbox

FIELDS = {
    "subject", "body", "start", "end", "location", "locations", "attendees", "categories",
    "importance", "isReminderOn", "reminderMinutesBeforeStart", "showAs", "sensitivity",
    "isAllDay", "recurrence", "transactionId", "responseRequested", "allowNewTimeProposals",
    "isOnlineMeeting", "onlineMeetingProvider", "hideAttendees",
}  # fmt: skip
ENUMS = {
    "showAs": {"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"},
    "sensitivity": {"normal", "personal", "private", "confidential"},
    "importance": {"low", "normal", "high"},
}
MEETING_FIELDS = {
    "subject",
    "body",
    "start",
    "end",
    "location",
    "locations",
    "recurrence",
    "isAllDay",
}
NO_TIME = "0001-01-01T00:00:00Z"
OCCURRENCE_PREFIX = "AAMkOcc"


def validate_patch(patch: dict[str, Any], *, occurrence: bool = False) -> None:
    check_properties(patch, FIELDS, "event")
    for key, allowed in ENUMS.items():
        if key in patch and patch[key] not in allowed:
            raise GraphError(
                400, "RequestBodyRead", f"Requested value '{patch[key]}' was not found."
            )
    if "recurrence" in patch and patch["recurrence"] is not None:
        if occurrence:
            raise GraphError(400, "ErrorInvalidRequest", "An occurrence cannot have a recurrence.")
        validate(patch["recurrence"])
    attendees = patch.get("attendees")
    if attendees is not None:
        if not isinstance(attendees, list) or len(attendees) > 500:
            raise GraphError(400, "ErrorInvalidRequest", "Attendees must be a list of at most 500.")
        for attendee in attendees:
            email = attendee.get("emailAddress") if isinstance(attendee, dict) else None
            if not isinstance(email, dict) or not email.get("address"):
                raise GraphError(
                    400, "ErrorInvalidRecipients", "At least one recipient isn't valid."
                )


def apply(data: dict[str, Any], patch: dict[str, Any]) -> set[str]:
    """Writes a create/update body into stored data; returns the names that changed."""
    changed = set()
    for key, value in patch.items():
        if key not in FIELDS:
            continue
        if key in ("start", "end"):
            wall, tz_name = parse_local(value, key)
            value_tuple = (wall, tz_name)
            if (data.get(f"_{key}"), data.get(f"_{key}_tz")) != value_tuple:
                changed.add(key)
            data[f"_{key}"], data[f"_{key}_tz"] = value_tuple
            continue
        if key == "attendees":
            value = [
                {
                    "type": a.get("type") or "required",
                    "emailAddress": {
                        "name": a["emailAddress"].get("name") or a["emailAddress"]["address"],
                        "address": a["emailAddress"]["address"],
                    },
                }
                for a in value or []
            ]
        if data.get(key) != value:
            changed.add(key)
        data[key] = value
    return changed


def check_times(data: dict[str, Any]) -> None:
    if "_start" not in data or "_end" not in data:
        raise GraphError(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The event must have a start and an end.",
        )
    start, end = times(data)
    if end < start:
        raise GraphError(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The end time must be after the start time.",
        )
    if data.get("isAllDay"):
        walls = (data["_start"], data["_end"])
        if any(w.time() != time(0) for w in walls) or end == start:
            raise GraphError(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. If the event is an all-day event, start and "
                "end must be at midnight and at least a day apart.",
            )


def times(data: dict[str, Any]) -> tuple[datetime, datetime]:
    """UTC start and end; all-day events float, so their wall dates are read as UTC."""
    if data.get("isAllDay"):
        return data["_start"].replace(tzinfo=UTC), data["_end"].replace(tzinfo=UTC)
    return to_utc(data["_start"], data["_start_tz"]), to_utc(data["_end"], data["_end_tz"])


@dataclass
class Instance:
    id: str
    type: str  # singleInstance | seriesMaster | occurrence | exception
    data: dict[str, Any]
    change_key: str
    created: datetime
    modified: datetime
    master_id: str | None = None
    original: datetime | None = None


def occurrence_id(master_id: str, day: date) -> str:
    raw = f"{master_id}|{day.isoformat()}".encode()
    return OCCURRENCE_PREFIX + base64.urlsafe_b64encode(raw).decode()


def parse_occurrence_id(value: str) -> tuple[str, date] | None:
    if not value.startswith(OCCURRENCE_PREFIX):
        return None
    try:
        master, _, day = (
            base64.urlsafe_b64decode(value[len(OCCURRENCE_PREFIX) :]).decode().partition("|")
        )
        return master, date.fromisoformat(day)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def stored(item: Item) -> Instance:
    kind = "seriesMaster" if item.data.get("recurrence") else "singleInstance"
    return Instance(item.id, kind, item.data, item.change_key, item.created, item.modified)


def occurrence(master: Item, day: date) -> Instance:
    base = master.data
    data = {k: v for k, v in base.items() if k not in ("recurrence", "_exceptions", "_cancelled")}
    start_utc, end_utc = times(base)
    if base.get("isAllDay"):
        wall = datetime.combine(day, base["_start"].time())
        data["_start"], data["_end"] = wall, wall + (base["_end"] - base["_start"])
    else:
        # Occurrences keep the series' wall time in the recurrence's zone (the start's by default).
        series_zone = base["recurrence"]["range"].get("recurrenceTimeZone") or base["_start_tz"]
        local = start_utc.astimezone(zone(series_zone)).time()
        begins = to_utc(datetime.combine(day, local), series_zone)
        data["_start"] = _wall_in(begins, base["_start_tz"])
        data["_end"] = _wall_in(begins + (end_utc - start_utc), base["_end_tz"])
    original = times(data)[0]
    override = (base.get("_exceptions") or {}).get(day.isoformat())
    if override:
        data.update(override["data"])
        return Instance(
            occurrence_id(master.id, day), "exception", data, override["change_key"],
            master.created, override["modified"], master.id, original,
        )  # fmt: skip
    return Instance(
        occurrence_id(master.id, day), "occurrence", data, master.change_key,
        master.created, master.modified, master.id, original,
    )  # fmt: skip


def _wall_in(moment: datetime, tz_name: str) -> datetime:
    return moment.astimezone(zone(tz_name)).replace(tzinfo=None)


def occurrence_days(master: Item, until: date) -> list[date]:
    cancelled = set(master.data.get("_cancelled") or [])
    return [d for d in dates(master.data["recurrence"], until) if d.isoformat() not in cancelled]


def expand(master: Item, until: date) -> list[Instance]:
    return [occurrence(master, d) for d in occurrence_days(master, until)]


def _body(data: dict[str, Any], prefer: str) -> tuple[dict[str, str], str]:
    body = data.get("body") or {"contentType": "text", "content": ""}
    kind = (body.get("contentType") or "text").lower()
    content = body.get("content") or ""
    text = re.sub(r"<[^>]+>", " ", content) if kind == "html" else content
    preview = " ".join(html.unescape(text).split())[:255]
    wants_text = 'outlook.body-content-type="text"' in prefer.lower().replace("'", '"')
    if wants_text:
        return {"contentType": "text", "content": html.unescape(text).strip()}, preview
    if kind == "text":
        # Outlook stores bodies as HTML and answers with its own wrapper around plain text.
        escaped = html.escape(content).replace("\n", "<br>\r\n")
        content = (
            '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; '
            f'charset=utf-8">\r\n</head>\r\n<body>\r\n<div>{escaped}</div>\r\n</body>\r\n</html>\r\n'
        )
    return {"contentType": "html", "content": content}, preview


def to_json(box: Mailbox, inst: Instance, tz_name: str, prefer: str = "") -> dict[str, Any]:
    data = inst.data
    start_utc, end_utc = times(data)
    if data.get("isAllDay"):
        start, end = render(data["_start"], tz_name), render(data["_end"], tz_name)
    else:
        start, end = render(start_utc, tz_name), render(end_utc, tz_name)
    body, preview = _body(data, prefer)
    location = {
        "displayName": "",
        "locationType": "default",
        "uniqueIdType": "unknown",
        "address": {},
        "coordinates": {},
    }
    location.update(data.get("location") or {})
    obj: dict[str, Any] = {
        "@odata.etag": f'W/"{inst.change_key}"',
        "id": inst.id,
        "createdDateTime": iso7(inst.created),
        "lastModifiedDateTime": iso7(inst.modified),
        "changeKey": inst.change_key,
        "categories": data.get("categories") or [],
        "originalStartTimeZone": data["_start_tz"],
        "originalEndTimeZone": data["_end_tz"],
        "reminderMinutesBeforeStart": data.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": data.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": data.get("subject") or "",
        "bodyPreview": preview,
        "importance": data.get("importance") or "normal",
        "sensitivity": data.get("sensitivity") or "normal",
        "isAllDay": bool(data.get("isAllDay")),
        "isCancelled": False,
        "responseRequested": data.get("responseRequested", True),
        "seriesMasterId": inst.master_id,
        "showAs": data.get("showAs") or "busy",
        "type": inst.type,
        "webLink": f"https://outlook.office365.com/owa/?itemid={inst.id}&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": bool(data.get("isOnlineMeeting")),
        "onlineMeetingProvider": data.get("onlineMeetingProvider") or "unknown",
        "allowNewTimeProposals": data.get("allowNewTimeProposals", True),
        "isDraft": False,
        "hideAttendees": bool(data.get("hideAttendees")),
        "body": body,
        "start": start,
        "end": end,
        "location": location,
        "locations": [location] if location.get("displayName") else [],
        "recurrence": data.get("recurrence") if inst.type == "seriesMaster" else None,
        **meeting_json(box, inst.id, data),
        "onlineMeeting": None,
    }
    if data.get("transactionId"):
        obj["transactionId"] = data["transactionId"]
    if inst.original is not None:
        obj["originalStart"] = inst.original.strftime("%Y-%m-%dT%H:%M:%SZ")
    return obj


def shift_window_end(end: datetime) -> date:
    return (end + timedelta(days=1)).date()
