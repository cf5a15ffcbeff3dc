"""Calendar API Event <-> `Event`, pure.

Losses, on purpose (also in docs/field-maps.md):
- show-as: Google has only ``transparency`` opaque (busy) / transparent (free); tentative, oof and
  working-elsewhere are written as busy.
- the organizer is always the calendar owner for events we create (read-only in Google), and the
  owner's own attendee entry (``self`` + ``organizer``) is not an invitee.
- RDATE/EXRULE lines and moved occurrences of a series are not carried; cancelled occurrences
  are folded into the record's exception dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from syncengine.records import Attendee, Event, norm_email
from syncengine.stores.base import Invitation

MARKER_PROPERTY = "lsyncSalesforceId"
# The Event keys to send when writing each record field (a PATCH writes only these).
EVENT_KEYS: dict[str, tuple[str, ...]] = {
    "subject": ("summary",),
    "description": ("description",),
    "location": ("location",),
    "start": ("start", "end"),
    "end": ("start", "end"),
    "all_day": ("start", "end"),
    "time_zone": ("start", "end"),
    "show_as": ("transparency",),
    "private": ("visibility",),
    "recurrence": ("recurrence", "start", "end"),
    "attendees": ("attendees",),
    "organizer": (),
}
_RESPONSES_IN = {"needsAction": "none", "accepted": "accepted", "declined": "declined",
                 "tentative": "tentative"}  # fmt: skip
_RESPONSES_OUT = {v: k for k, v in _RESPONSES_IN.items()}


# --------------------------------------------------------------------------- reading


def _moment(value: Mapping[str, Any] | None) -> date | datetime | None:
    if not value:
        return None
    if value.get("date"):
        return date.fromisoformat(str(value["date"]))
    if value.get("dateTime"):
        parsed = datetime.fromisoformat(str(value["dateTime"]))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(str(value.get("timeZone") or "UTC")))
        return parsed
    return None


def original_start(data: Mapping[str, Any]) -> datetime | None:
    """An instance's ``originalStartTime`` in UTC (a date: its midnight UTC)."""
    value = _moment(data.get("originalStartTime"))
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _ical_moment(text: str, params: Mapping[str, str], zone: str) -> date | datetime:
    text = text.strip()
    if params.get("VALUE", "").upper() == "DATE" or len(text) == 8:
        return datetime.strptime(text[:8], "%Y%m%d").date()
    if text.endswith("Z"):
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    local = datetime.strptime(text, "%Y%m%dT%H%M%S")
    return local.replace(tzinfo=ZoneInfo(params.get("TZID") or zone))


def parse_recurrence(
    lines: Iterable[str], zone: str, extra_exdates: Iterable[date | datetime] = ()
) -> dict[str, Any] | None:
    rrule = ""
    exdates: list[date | datetime] = list(extra_exdates)
    for line in lines:
        head, _, value = str(line).partition(":")
        name, *raw = head.split(";")
        params = dict(p.split("=", 1) for p in raw if "=" in p)
        if name.upper() == "RRULE" and not rrule:
            rrule = value
        elif name.upper() == "EXDATE":
            exdates += [_ical_moment(v, params, zone) for v in value.split(",") if v.strip()]
    return {"rrule": rrule, "exdates": exdates} if rrule else None


def _attendee(entry: Mapping[str, Any]) -> Attendee:
    return Attendee.normalized(
        entry.get("email", ""),
        entry.get("displayName", ""),
        _RESPONSES_IN.get(str(entry.get("responseStatus")), "none"),
    )


def event_from_api(
    data: Mapping[str, Any],
    default_zone: str = "UTC",
    cancelled_occurrences: Iterable[Mapping[str, Any]] = (),
) -> Event:
    """`cancelled_occurrences`: ``originalStartTime`` values of the series' cancelled instances."""
    start_raw = data.get("start") or {}
    zone = str(start_raw.get("timeZone") or default_zone or "UTC")
    start = _moment(start_raw)
    end = _moment(data.get("end"))
    all_day = isinstance(start, date) and not isinstance(start, datetime)
    removed = [m for m in (_moment(o) for o in cancelled_occurrences) if m is not None]
    organizer = data.get("organizer") or {}
    return Event.normalized(
        subject=data.get("summary", ""),
        start=start,
        end=end,
        all_day=all_day,
        time_zone=zone,
        location=data.get("location", ""),
        description=data.get("description", ""),
        show_as="free" if data.get("transparency") == "transparent" else "busy",
        private=data.get("visibility") in ("private", "confidential"),
        recurrence=parse_recurrence(data.get("recurrence") or [], zone, removed),
        attendees=[
            _attendee(a)
            for a in data.get("attendees") or []
            if not (a.get("self") and a.get("organizer"))
        ],
        organizer=(
            Attendee.normalized(organizer.get("email", ""), organizer.get("displayName", ""))
            if organizer.get("email")
            else None
        ),
    )


def event_marker(data: Mapping[str, Any]) -> str | None:
    value = ((data.get("extendedProperties") or {}).get("private") or {}).get(MARKER_PROPERTY)
    return str(value) if value else None


def canonical_event(event: Event, owner: str) -> Event:
    """What Google keeps of `event` written into `owner`'s calendar."""
    owner = norm_email(owner)
    return replace(
        event,
        show_as="free" if event.show_as == "free" else "busy",
        attendees=tuple(a for a in event.attendees if a.email != owner),
        organizer=Attendee.normalized(owner) if owner else event.organizer,
    )


# --------------------------------------------------------------------------- writing


def _times(event: Event) -> tuple[dict[str, str], dict[str, str]]:
    if event.all_day:
        # The zone is kept with dates too: it places a series' exception dates.
        return (
            {"date": event.start.date().isoformat(), "timeZone": event.time_zone},
            {"date": event.end.date().isoformat(), "timeZone": event.time_zone},
        )
    tz = ZoneInfo(event.time_zone)

    def local(value: datetime) -> dict[str, str]:
        text = value.astimezone(tz).isoformat(timespec="seconds")
        return {"dateTime": text, "timeZone": event.time_zone}

    return local(event.start), local(event.end)


def recurrence_lines(event: Event) -> list[str]:
    if event.recurrence is None:
        return []
    lines = ["RRULE:" + event.recurrence.rrule]
    tz = ZoneInfo(event.time_zone)
    if event.recurrence.exdates and event.all_day:
        days = sorted({d.astimezone(tz).strftime("%Y%m%d") for d in event.recurrence.exdates})
        lines.append("EXDATE;VALUE=DATE:" + ",".join(days))
    elif event.recurrence.exdates:
        stamps = [d.astimezone(tz).strftime("%Y%m%dT%H%M%S") for d in event.recurrence.exdates]
        lines.append(f"EXDATE;TZID={event.time_zone}:" + ",".join(stamps))
    return lines


def event_to_api(event: Event, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The Event body for `fields` (record field names; None: every field)."""
    keys = {k for f in (fields if fields is not None else EVENT_KEYS) for k in EVENT_KEYS[f]}
    start, end = _times(event)
    values: dict[str, Any] = {
        "summary": event.subject,
        "description": event.description,
        "location": event.location,
        "start": start,
        "end": end,
        "transparency": "transparent" if event.show_as == "free" else "opaque",
        "visibility": "private" if event.private else "default",
        "recurrence": recurrence_lines(event),
        "attendees": [
            {
                k: v
                for k, v in (
                    ("email", a.email),
                    ("displayName", a.name),
                    ("responseStatus", _RESPONSES_OUT[a.response]),
                )
                if v
            }
            for a in event.attendees
        ],
    }
    return {k: v for k, v in values.items() if k in keys}


def patch_body(event: Event, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The body of a PATCH writing `fields`. Calendar merges nested objects in a PATCH, so a
    `start` with `date` would keep the event's old `dateTime` (and the reverse) and be refused as
    "Invalid start time": the key of the other form is cleared with an explicit null."""
    body = event_to_api(event, fields)
    for key in ("start", "end"):
        if key in body:
            other = "dateTime" if "date" in body[key] else "date"
            body[key] = {**body[key], other: None}
    return body


def invitation_of(data: Mapping[str, Any]) -> Invitation | None:
    """Who organizes a Calendar event: None when the calendar owner does (`organizer.self`),
    else the organizer, the meeting's iCalendar UID and the owner's own response."""
    organizer = data.get("organizer") or {}
    if organizer.get("self") or not organizer.get("email"):
        return None
    mine: Mapping[str, Any] = next((a for a in data.get("attendees") or [] if a.get("self")), {})
    return Invitation(
        norm_email(organizer.get("email")),
        str(data.get("iCalUID") or ""),
        _RESPONSES_IN.get(str(mine.get("responseStatus")), "none"),
    )


def has_color(data: dict[str, Any], color: str | None) -> bool:
    """Whether the user gave a Calendar event the colour `color` (a colorId; an event without
    one shows its calendar's colour). None: no mark is asked for, every event counts as marked."""
    return color is None or str(data.get("colorId") or "") == color
