"""Normalized records: the one shape both sides are compared in.

`Contact` and `Event` are frozen dataclasses. Provider converters build them with
`Contact.normalized(...)` / `Event.normalized(...)` (or `normalize(record)`), which accept loose input
(None for empty, naive datetimes plus a zone, mixed-case e-mails, CRLF text) and return the canonical
form. Normalizing a normalized record returns an equal record (tested with Hypothesis).

Every field is hashed on its own (`field_hashes()`), so the planner can merge field by field against the
hashes stored in the mapping. Left out of the hashes, on purpose:

- `Event.organizer`: read-only on every side (Graph, EWS and Google set it to the calendar owner,
  Salesforce to the event owner). A change to it could never be written, so hashing it would report a
  change that can never converge.
- `Attendee.response` (inside `Event.attendees`): written by the invitees' replies, not by the owner. A
  reply rewrites the mailbox item (new changeKey/etag); hashing it would turn every reply into an edit that
  overwrites the other side or conflicts with the owner's edits. Responses are still carried along whenever
  the event is written for another reason.
- `Event.time_zone` on its own: start and end are instants (UTC); the zone is a display hint that servers
  rewrite (Graph reports the mailbox's zone, Salesforce the user's). It is hashed together with
  `recurrence` instead, because for a series the zone decides how occurrences fall across DST changes.

Nothing is left out of the contact hashes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncengine.stores.base import Kind, MatchKey

KINDS: tuple[Kind, ...] = ("contacts", "events")

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


# --------------------------------------------------------------------------- text helpers


def norm_text(value: Any, *, multiline: bool = False) -> str:
    """NFC, no surrounding blanks; one-line text has its runs of white space collapsed,
    multi-line text has LF line ends and no trailing blanks on a line."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        return text.strip()
    return " ".join(text.split())


def norm_email(value: Any) -> str:
    return norm_text(value).replace(" ", "").lower()


def norm_emails(values: Iterable[Any] | str | None) -> tuple[str, ...]:
    """Lower-case, order kept (the first is the primary), empties and repeats dropped."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        e = norm_email(v)
        if e and e not in out:
            out.append(e)
    return tuple(out)


def norm_zone(value: Any) -> str:
    name = norm_text(value) or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def norm_datetime(value: Any, zone: str = "UTC") -> datetime:
    """An aware UTC datetime to the second. A naive value is read in `zone`; a date is its midnight."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(norm_zone(zone)))
    return value.astimezone(UTC).replace(microsecond=0)


def _norm_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------- hashing


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def value_hash(value: Any) -> str:
    """A short, stable hash of one normalized field value."""
    blob = json.dumps(_jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- contacts


@dataclass(frozen=True)
class Address:
    street: str = ""  # may hold several lines, LF-separated
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""

    @classmethod
    def normalized(
        cls,
        street: Any = "",
        city: Any = "",
        state: Any = "",
        postal_code: Any = "",
        country: Any = "",
    ) -> Address | None:
        a = cls(
            street=norm_text(street, multiline=True),
            city=norm_text(city),
            state=norm_text(state),
            postal_code=norm_text(postal_code),
            country=norm_text(country),
        )
        return None if a == cls() else a

    def one_line(self) -> str:
        parts = [
            self.street.replace("\n", ", "),
            self.postal_code,
            self.city,
            self.state,
            self.country,
        ]
        return ", ".join(p for p in parts if p)


def _norm_address(value: Address | dict[str, Any] | None) -> Address | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return Address.normalized(**value)
    return Address.normalized(
        value.street, value.city, value.state, value.postal_code, value.country
    )


@dataclass(frozen=True)
class Contact:
    """A contact in normalized form. Build it with `Contact.normalized(...)`."""

    KIND: ClassVar[Kind] = "contacts"
    # Fields never hashed (see the module docstring): none for contacts.
    UNHASHED: ClassVar[frozenset[str]] = frozenset()

    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()  # lower-case; the first is the primary e-mail
    business_phone: str = ""
    mobile_phone: str = ""
    home_phone: str = ""
    other_phone: str = ""
    fax: str = ""
    title: str = ""
    department: str = ""
    company: str = ""  # the Account name in Salesforce
    mailing_address: Address | None = None
    other_address: Address | None = None
    birthdate: date | None = None
    assistant_name: str = ""
    assistant_phone: str = ""
    description: str = ""

    @classmethod
    def normalized(
        cls,
        *,
        salutation: Any = "",
        first_name: Any = "",
        last_name: Any = "",
        emails: Iterable[Any] | str | None = (),
        business_phone: Any = "",
        mobile_phone: Any = "",
        home_phone: Any = "",
        other_phone: Any = "",
        fax: Any = "",
        title: Any = "",
        department: Any = "",
        company: Any = "",
        mailing_address: Address | dict[str, Any] | None = None,
        other_address: Address | dict[str, Any] | None = None,
        birthdate: Any = None,
        assistant_name: Any = "",
        assistant_phone: Any = "",
        description: Any = "",
    ) -> Contact:
        return cls(
            salutation=norm_text(salutation),
            first_name=norm_text(first_name),
            last_name=norm_text(last_name),
            emails=norm_emails(emails),
            business_phone=norm_text(business_phone),
            mobile_phone=norm_text(mobile_phone),
            home_phone=norm_text(home_phone),
            other_phone=norm_text(other_phone),
            fax=norm_text(fax),
            title=norm_text(title),
            department=norm_text(department),
            company=norm_text(company),
            mailing_address=_norm_address(mailing_address),
            other_address=_norm_address(other_address),
            birthdate=_norm_date(birthdate),
            assistant_name=norm_text(assistant_name),
            assistant_phone=norm_text(assistant_phone),
            description=norm_text(description, multiline=True),
        )

    def normalize(self) -> Contact:
        return Contact.normalized(**{f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    def hashed_fields(self) -> tuple[str, ...]:
        return HASHED_FIELDS["contacts"]

    def field_hashes(self) -> dict[str, str]:
        return {name: value_hash(getattr(self, name)) for name in HASHED_FIELDS["contacts"]}

    def match_keys(self) -> list[MatchKey]:
        """In matching order: every e-mail, then first+last+company."""
        keys: list[MatchKey] = [("email", e) for e in self.emails]
        if self.first_name or self.last_name:
            keys.append(
                ("name", *(s.casefold() for s in (self.first_name, self.last_name, self.company)))
            )
        return keys

    def label(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p) or "(no name)"
        return f"Contact '{name}'" + (f" <{self.email}>" if self.email else "")


# --------------------------------------------------------------------------- events


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
        return HASHED_FIELDS["events"]

    def field_hashes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in HASHED_FIELDS["events"]:
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


Record: TypeAlias = Contact | Event

RECORD_TYPES: dict[Kind, type[Contact] | type[Event]] = {"contacts": Contact, "events": Event}

HASHED_FIELDS: dict[Kind, tuple[str, ...]] = {
    "contacts": tuple(f.name for f in fields(Contact)),
    "events": tuple(f.name for f in fields(Event) if f.name not in Event.UNHASHED),
}


def normalize(record: Record) -> Record:
    """The canonical form of any record (idempotent)."""
    return record.normalize()


def merge_fields(base: Record, source: Record, names: Iterable[str]) -> Record:
    """`base` with the given fields taken from `source` (an event's time zone goes along with its
    start, end or recurrence)."""
    changes: dict[str, Any] = {n: getattr(source, n) for n in names}
    if isinstance(base, Event) and isinstance(source, Event):
        if {"start", "end", "recurrence", "all_day"} & set(changes):
            changes["time_zone"] = source.time_zone
        if "attendees" in changes:
            # Keep the responses the target already knows for attendees that stay.
            known = {a.email: a.response for a in base.attendees}
            changes["attendees"] = tuple(
                replace(a, response=known.get(a.email, a.response)) for a in source.attendees
            )
    return replace(base, **changes)  # type: ignore[arg-type]


__all__ = [
    "Address",
    "Attendee",
    "Contact",
    "Event",
    "HASHED_FIELDS",
    "KINDS",
    "Kind",
    "MatchKey",
    "Record",
    "Recurrence",
    "RECORD_TYPES",
    "merge_fields",
    "normalize",
    "value_hash",
]
