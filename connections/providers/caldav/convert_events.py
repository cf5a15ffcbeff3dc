"""iCalendar (RFC 5545) <-> `Event` (pure).

A resource holds one event: its master VEVENT (with RRULE and EXDATE for a series) and, for a
series, overrides of single occurrences (VEVENTs with a RECURRENCE-ID). The record is the master;
overrides are listed by `overrides()` and kept untouched when lsync writes the master.
What does not map is listed in README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import vobject

from syncengine.records import Attendee, Event, Recurrence

MARKER = "X-LSYNC-SALESFORCE-ID"
BUSY_STATUS = "X-MICROSOFT-CDO-BUSYSTATUS"
_SHOW_AS_TO_STATUS = {
    "busy": "BUSY",
    "free": "FREE",
    "tentative": "TENTATIVE",
    "oof": "OOF",
    "working_elsewhere": "WORKINGELSEWHERE",
}
_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE"}


class NamedZone(ZoneInfo):
    """A zone vobject writes under its IANA name (it would otherwise write "CET" for Oslo)."""

    @property
    def tzid(self) -> str:
        return self.key


def _zone_name(line: Any) -> str:
    tzid = (line.params.get("TZID") or [""])[0]
    try:
        ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        key = getattr(getattr(line.value, "tzinfo", None), "key", "")
        return key if isinstance(key, str) and key else "UTC"
    return str(tzid)


def _components(text: str) -> list[Any]:
    calendar = vobject.readOne(text, ignoreUnreadable=True)
    return list(calendar.contents.get("vevent", []))


def master_of(text: str) -> Any:
    return _master(_components(text))


def _master(events: list[Any]) -> Any:
    masters = [e for e in events if not e.contents.get("recurrence-id")]
    if not (masters or events):
        raise ValueError("the resource holds no VEVENT")
    return (masters or events)[0]


@dataclass(frozen=True)
class Override:
    """One occurrence of a series changed on its own (its original start, and what it is now)."""

    recurrence_id: datetime
    event: Event


def overrides(text: str) -> list[Override]:
    found = []
    for component in _components(text):
        rid = component.contents.get("recurrence-id")
        if rid:
            event, _ = _event(component)
            found.append(Override(_instant(rid[0].value, _zone_name(rid[0])), event))
    return sorted(found, key=lambda o: o.recurrence_id)


def _instant(value: date | datetime, zone: str) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def _text(component: Any, key: str) -> str:
    lines = component.contents.get(key)
    return str(lines[0].value or "") if lines else ""


def _address(value: Any) -> str:
    text = str(value or "")
    return text[7:] if text.lower().startswith("mailto:") else text


def _param(line: Any, key: str) -> str:
    values = line.params.get(key) or [""]
    return str(values[0])


def _show_as(component: Any) -> str:
    status = _text(component, BUSY_STATUS.lower()).upper()
    for show_as, value in _SHOW_AS_TO_STATUS.items():
        if status == value:
            return show_as
    return "free" if _text(component, "transp").upper() == "TRANSPARENT" else "busy"


def _event(component: Any) -> tuple[Event, str | None]:
    start_line = component.dtstart
    zone = _zone_name(start_line)
    start = start_line.value
    all_day = not isinstance(start, datetime)
    if component.contents.get("dtend"):
        end: Any = component.dtend.value
    elif component.contents.get("duration"):
        end = start + component.duration.value
    else:
        end = start + timedelta(days=1) if all_day else start
    exdates = [
        _instant(value, _zone_name(line))
        for line in component.contents.get("exdate", [])
        for value in line.value
    ]
    rrule = _text(component, "rrule")
    attendees = [
        Attendee.normalized(
            _address(line.value),
            _param(line, "CN"),
            _param(line, "PARTSTAT").replace("-", "").lower(),
        )
        for line in component.contents.get("attendee", [])
    ]
    organizer_lines = component.contents.get("organizer")
    organizer = (
        Attendee.normalized(_address(organizer_lines[0].value), _param(organizer_lines[0], "CN"))
        if organizer_lines
        else None
    )
    event = Event.normalized(
        subject=_text(component, "summary"),
        start=start if all_day else _instant(start, zone),
        end=end if all_day else _instant(end, zone),
        all_day=all_day,
        time_zone=zone,
        location=_text(component, "location"),
        description=_text(component, "description"),
        show_as=_show_as(component),
        private=_text(component, "class").upper() in ("PRIVATE", "CONFIDENTIAL"),
        recurrence={"rrule": rrule, "exdates": exdates} if rrule else None,
        attendees=attendees,
        organizer=organizer,
    )
    return event, _text(component, MARKER.lower()) or None


def event_from_ical(text: str) -> tuple[Event, str | None]:
    """The series or single event and lsync's marker (the Salesforce id), if it carries one."""
    return _event(master_of(text))


def _local(value: datetime, zone: str) -> datetime:
    # vobject writes a trailing Z only for its own UTC object, not for datetime.UTC.
    return value.astimezone(NamedZone(zone) if zone != "UTC" else vobject.icalendar.utc)


def _set(component: Any, key: str, value: Any, **params: str) -> None:
    component.contents.pop(key, None)
    if value in ("", None):
        return
    line = component.add(key)
    line.value = value
    for name, param in params.items():
        line.params[name] = [param]


def rid_key(moment: datetime) -> str:
    """An occurrence's key in item ids: its original start, in UTC (`20260506T090000Z`)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def events_from_ical(text: str) -> list[tuple[str | None, Event, str | None]]:
    """(occurrence key or None for the series or single event, event, marker) for each item the
    resource holds: as in Graph, the master's exdates also name its modified occurrences, and each
    of those is an event of its own."""
    master, marker = event_from_ical(text)
    moved = overrides(text)
    if moved and master.recurrence is not None:
        exdates = {*master.recurrence.exdates, *(o.recurrence_id for o in moved)}
        master = replace(
            master, recurrence=replace(master.recurrence, exdates=tuple(sorted(exdates)))
        )
    return [(None, master, marker), *((rid_key(o.recurrence_id), o.event, None) for o in moved)]


def rid_start(key: str) -> datetime:
    """The original start an occurrence key names (`rid_key`'s inverse)."""
    return datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def add_override(text: str, start: datetime, record: Event, *, invitations: bool) -> str:
    """The series with its plain occurrence at `start` (the start its rule gives it) overridden by
    `record`: a VEVENT of its own with the series' UID and that RECURRENCE-ID. KeyError when the
    series has no plain occurrence there (cancelled, already overridden, not in its rule)."""
    calendar = vobject.readOne(text, ignoreUnreadable=True)
    master = _master(list(calendar.contents.get("vevent", [])))
    key = rid_key(start)
    if key in {rid_key(o.recurrence_id) for o in overrides(text)}:
        raise KeyError(key)
    first = master.dtstart.value
    rid: date | datetime = (
        start.date()
        if not isinstance(first, datetime)
        else _local(start, _zone_name(master.dtstart))
    )
    wanted = datetime(rid.year, rid.month, rid.day) if not isinstance(rid, datetime) else rid
    if not master.contents.get("rrule") or wanted not in master.getrruleset(addRDate=True):
        raise KeyError(key)
    component = calendar.add("vevent")
    component.add("uid").value = master.uid.value
    component.add("recurrence-id").value = rid
    _patch(component, replace(record, recurrence=None), None, invitations, set())
    return str(calendar.serialize())


def _occurrence(calendar: Any, key: str) -> Any:
    for component in calendar.contents.get("vevent", []):
        rid = component.contents.get("recurrence-id")
        if rid and rid_key(_instant(rid[0].value, _zone_name(rid[0]))) == key:
            return component
    raise KeyError(key)


def cancel_occurrence(text: str, key: str) -> str:
    """The series without its occurrence `key`: the override removed and an EXDATE added."""
    calendar = vobject.readOne(text, ignoreUnreadable=True)
    component = _occurrence(calendar, key)
    calendar.contents["vevent"].remove(component)
    master = _master(list(calendar.contents.get("vevent", [])))
    start = master.dtstart.value
    moment = rid_start(key)
    value = (
        moment.date()
        if not isinstance(start, datetime)
        else _local(moment, _zone_name(master.dtstart))
    )
    master.add("exdate").value = [value]
    return str(calendar.serialize())


def ical_text(
    record: Event,
    *,
    uid: str,
    marker: str | None,
    existing: str | None,
    invitations: bool,
    occurrence: str | None = None,
) -> str:
    """The iCalendar to store: `existing` (the server's text) with its master VEVENT (or the
    override of `occurrence`) patched with `record`, overrides and unmapped properties kept; or a
    new one. Without `invitations`, every attendee carries SCHEDULE-AGENT=CLIENT, so a server with
    implicit scheduling (RFC 6638 §7.1) e-mails no one."""
    if existing:
        calendar = vobject.readOne(existing, ignoreUnreadable=True)
        if occurrence:
            component = _occurrence(calendar, occurrence)
        else:
            component = _master(list(calendar.contents.get("vevent", [])))
        moved = {o.recurrence_id for o in overrides(existing)}
    else:
        calendar = vobject.iCalendar()
        calendar.add("prodid").value = "-//lsync//CalDAV provider//EN"
        component = calendar.add("vevent")
        component.add("uid").value = uid
        moved = set()
    _patch(component, record, marker, invitations, moved)
    return str(calendar.serialize())


def _patch(
    component: Any, record: Event, marker: str | None, invitations: bool, moved: set[datetime]
) -> None:
    zone = record.time_zone
    for key in ("dtstart", "dtend", "duration"):
        component.contents.pop(key, None)
    if record.all_day:
        _set(component, "dtstart", record.start.date())
        _set(component, "dtend", record.end.date())
    else:
        _set(component, "dtstart", _local(record.start, zone))
        _set(component, "dtend", _local(record.end, zone))
    _set(component, "dtstamp", _local(datetime.now(UTC).replace(microsecond=0), "UTC"))
    _set(component, "summary", record.subject)
    _set(component, "location", record.location)
    _set(component, "description", record.description)
    _set(component, "transp", "TRANSPARENT" if record.show_as == "free" else "OPAQUE")
    _set(component, BUSY_STATUS.lower(), _SHOW_AS_TO_STATUS[record.show_as])
    _set(component, "class", "PRIVATE" if record.private else "PUBLIC")
    recurrence: Recurrence | None = record.recurrence
    if not component.contents.get("recurrence-id"):
        _set(component, "rrule", recurrence.rrule if recurrence else None)
        component.contents.pop("exdate", None)
        # A moved occurrence is an override, not an exdate (the record lists it as one).
        exdates = [d for d in (recurrence.exdates if recurrence else ()) if d not in moved]
        if exdates:
            starts = [d.date() if record.all_day else _local(d, zone) for d in exdates]
            component.add("exdate").value = starts
    component.contents.pop("attendee", None)
    for attendee in record.attendees:
        line = component.add("attendee")
        line.value = f"mailto:{attendee.email}"
        if attendee.name:
            line.params["CN"] = [attendee.name]
        line.params["PARTSTAT"] = [_PARTSTAT.get(attendee.response, "NEEDS-ACTION")]
        if not invitations:
            line.params["SCHEDULE-AGENT"] = ["CLIENT"]
    _set(component, MARKER.lower(), marker or "")
