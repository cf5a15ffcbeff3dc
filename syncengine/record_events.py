"""The normalized event, its attendees and its recurrence (see `syncengine.records` for what is
hashed and why)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Literal, TypeAlias
from zoneinfo import ZoneInfo

from syncengine.record_values import norm_datetime, norm_email, norm_text, norm_zone, value_hash
from syncengine.stores.base import Kind, MatchKey

ShowAs: TypeAlias = Literal["busy", "free", "tentative", "oof", "working_elsewhere"]
SHOW_AS: tuple[str, ...] = ("busy", "free", "tentative", "oof", "working_elsewhere")
_SHOW_AS_ALIASES = {
    "outofoffice": "oof",
    "out_of_office": "oof",
    "away": "oof",
    "workingelsewhere": "working_elsewhere",
    "transparent": "free",
    "opaque": "busy",
    "busy": "busy",
    "free": "free",
    "tentative": "tentative",
    "oof": "oof",
    "working_elsewhere": "working_elsewhere",
}

Response: TypeAlias = Literal["none", "accepted", "declined", "tentative"]
RESPONSES: tuple[str, ...] = ("none", "accepted", "declined", "tentative")
_RESPONSE_ALIASES = {
    "needsaction": "none",
    "needs_action": "none",
    "notresponded": "none",
    "new": "none",
    "organizer": "accepted",
    "tentativelyaccepted": "tentative",
    "maybe": "tentative",
}


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    response: Response = "none"

    @classmethod
    def normalized(cls, email: Any, name: Any = "", response: Any = "none") -> Attendee:
        r = norm_text(response).replace(" ", "").lower() or "none"
        r = _RESPONSE_ALIASES.get(r, r)
        return cls(
            email=norm_email(email),
            name=norm_text(name),
            response=r if r in RESPONSES else "none",  # type: ignore[arg-type]
        )


def _norm_attendee(value: Attendee | dict[str, Any] | str) -> Attendee:
    if isinstance(value, str):
        return Attendee.normalized(value)
    if isinstance(value, dict):
        return Attendee.normalized(**value)
    return Attendee.normalized(value.email, value.name, value.response)


_RRULE_DEFAULTS = {"INTERVAL": "1", "WKST": "MO"}


def norm_rrule(text: Any) -> str:
    """`FREQ=...;...` with upper-case parts, FREQ first then the others sorted, defaults dropped."""
    raw = norm_text(text).replace(" ", "").upper()
    if raw.startswith("RRULE:"):
        raw = raw[len("RRULE:") :]
    parts: dict[str, str] = {}
    for chunk in raw.split(";"):
        if "=" not in chunk:
            continue
        key, _, value = chunk.partition("=")
        if key and value and _RRULE_DEFAULTS.get(key) != value:
            if key == "BYDAY":
                value = ",".join(sorted(set(value.split(",")), key=_byday_order))
            parts[key] = value
    if not parts:
        return ""
    ordered = [k for k in ("FREQ",) if k in parts] + sorted(k for k in parts if k != "FREQ")
    return ";".join(f"{k}={parts[k]}" for k in ordered)


_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _byday_order(token: str) -> tuple[int, str]:
    day = re.sub(r"^[+-]?\d*", "", token)
    return (_DAYS.index(day) if day in _DAYS else 7, token)


@dataclass(frozen=True)
class Recurrence:
    """An RFC 5545 RRULE (without the `RRULE:` prefix) and the start times of removed occurrences."""

    rrule: str
    exdates: tuple[datetime, ...] = ()

    @classmethod
    def normalized(
        cls, rrule: Any, exdates: Iterable[Any] = (), zone: str = "UTC"
    ) -> Recurrence | None:
        rule = norm_rrule(rrule)
        if not rule:
            return None
        return cls(rrule=rule, exdates=tuple(sorted({norm_datetime(d, zone) for d in exdates})))


def _norm_recurrence(
    value: Recurrence | dict[str, Any] | str | None, zone: str
) -> Recurrence | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return Recurrence.normalized(value, zone=zone)
    if isinstance(value, dict):
        return Recurrence.normalized(value.get("rrule"), value.get("exdates", ()), zone=zone)
    return Recurrence.normalized(value.rrule, value.exdates, zone=zone)


@dataclass(frozen=True)
class Event:
    """A calendar event in normalized form. Build it with `Event.normalized(...)`.

    start/end are aware UTC datetimes to the second. For all-day events they are midnights (UTC) of the
    first day and of the day after the last (end exclusive), whatever zone the input used.
    """

    KIND: ClassVar[Kind] = "events"
    UNHASHED: ClassVar[frozenset[str]] = frozenset({"organizer", "time_zone"})

    subject: str
    start: datetime
    end: datetime
    all_day: bool = False
    time_zone: str = "UTC"  # IANA name
    location: str = ""
    description: str = ""
    show_as: ShowAs = "busy"
    private: bool = False
    recurrence: Recurrence | None = None
    attendees: tuple[Attendee, ...] = ()  # sorted by e-mail, one per e-mail
    organizer: Attendee | None = None

    @classmethod
    def normalized(
        cls,
        *,
        subject: Any = "",
        start: Any,
        end: Any = None,
        all_day: Any = False,
        time_zone: Any = "UTC",
        location: Any = "",
        description: Any = "",
        show_as: Any = "busy",
        private: Any = False,
        recurrence: Recurrence | dict[str, Any] | str | None = None,
        attendees: Iterable[Attendee | dict[str, Any] | str] = (),
        organizer: Attendee | dict[str, Any] | str | None = None,
    ) -> Event:
        zone = norm_zone(time_zone)
        all_day = bool(all_day)
        if all_day:
            start_d = _all_day_date(start, zone)
            end_d = _all_day_date(end, zone) if end is not None else start_d + timedelta(days=1)
            if end_d <= start_d:
                end_d = start_d + timedelta(days=1)
            start_dt = datetime.combine(start_d, time(0), UTC)
            end_dt = datetime.combine(end_d, time(0), UTC)
        else:
            start_dt = norm_datetime(start, zone)
            end_dt = norm_datetime(end, zone) if end is not None else start_dt
            if end_dt < start_dt:
                end_dt = start_dt
        show = norm_text(show_as).replace(" ", "").lower()
        show = _SHOW_AS_ALIASES.get(show, "busy")
        by_email: dict[str, Attendee] = {}
        for a in attendees:
            att = _norm_attendee(a)
            if att.email and att.email not in by_email:
                by_email[att.email] = att
        org = _norm_attendee(organizer) if organizer else None
        if org is not None:
            org = replace(org, response="none")
            if not org.email:
                org = None
        return cls(
            subject=norm_text(subject),
            start=start_dt,
            end=end_dt,
            all_day=all_day,
            time_zone=zone,
            location=norm_text(location),
            description=norm_text(description, multiline=True),
            show_as=show,  # type: ignore[arg-type]
            private=bool(private),
            recurrence=_norm_recurrence(recurrence, zone),
            attendees=tuple(by_email[e] for e in sorted(by_email)),
            organizer=org,
        )

    def normalize(self) -> Event:
        return Event.normalized(**{f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def is_series(self) -> bool:
        return self.recurrence is not None

    def hashed_fields(self) -> tuple[str, ...]:
        return EVENT_FIELDS

    def field_hashes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in EVENT_FIELDS:
            if name == "attendees":
                value: Any = [(a.email, a.name) for a in self.attendees]
            elif name == "recurrence":
                value = (self.recurrence, self.time_zone if self.recurrence else None)
            else:
                value = getattr(self, name)
            out[name] = value_hash(value)
        return out

    def match_keys(self) -> list[MatchKey]:
        return [("slot", self.subject.casefold(), self.start.isoformat(), self.end.isoformat())]

    def label(self) -> str:
        when = (
            self.start.date().isoformat() if self.all_day else self.start.strftime("%Y-%m-%d %H:%M")
        )
        return f"Event '{self.subject or '(no subject)'}' {when}" + (
            " UTC" if not self.all_day else ""
        )


def _all_day_date(value: Any, zone: str) -> date:
    if isinstance(value, str):
        value = (
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            if "T" in value
            else date.fromisoformat(value)
        )
    if isinstance(value, datetime):
        if (
            value.tzinfo is not None
            and value.utcoffset() == timedelta(0)
            and value.time() == time(0)
        ):
            return value.date()  # our own form: midnight UTC of the day
        if value.tzinfo is not None:
            # Any other instant: the calendar day it falls on in the event's zone.
            return value.astimezone(ZoneInfo(zone)).date()
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"not a date: {value!r}")


EVENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Event) if f.name not in Event.UNHASHED)
