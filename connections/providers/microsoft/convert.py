"""Pure mapping between Graph JSON (contact, event) and our normalized records.

Reads expect the store's request headers: `Prefer: outlook.timezone="UTC"` (start/end as UTC wall
times) and `Prefer: outlook.body-content-type="text"` (plain-text bodies). Fields Graph has no
place for are listed in docs/field-maps.md; `canonical_*` give what Graph keeps of a record.

Invitations (gotcha #8, docs/invitations.md): with `invitations=False`, attendees are never written
to the event's `attendees` collection (Graph would e-mail them); they go into a plain-text section
at the end of the body, which reads turn back into attendees, so a round trip is lossless.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from connections.providers.microsoft.recurrence import (
    UnsupportedRecurrence,
    from_graph_recurrence,
    to_graph_recurrence,
)
from connections.providers.microsoft.timezones import to_graph, to_iana
from syncengine.records import Address, Attendee, Contact, Event, Recurrence, norm_email
from syncengine.stores.base import Invitation

# The Salesforce id of items lsync created (a MAPI named string property in lsync's own GUID
# namespace; Graph matches the GUID case-insensitively and the name case-sensitively).
MARKER_PROPERTY = "String {8c2f8a55-2d1b-4f57-9a43-6e2b4f1d7c3a} Name lsyncSalesforceId"
MAX_EMAILS = 3  # Outlook contacts hold three e-mail addresses
ATTENDEES_HEADER = "Invitees from Salesforce (not e-mailed by lsync):"
READ_PREFER = 'outlook.timezone="UTC", outlook.body-content-type="text"'

_SHOW_TO = {"busy": "busy", "free": "free", "tentative": "tentative", "oof": "oof",
            "working_elsewhere": "workingElsewhere"}  # fmt: skip
_SHOW_FROM = {v.lower(): k for k, v in _SHOW_TO.items()}
_RESPONSE_FROM = {"accepted": "accepted", "declined": "declined",
                  "tentativelyaccepted": "tentative"}  # fmt: skip
_ATTENDEE_LINE = re.compile(r"^-\s+(?:(?P<name>.*?)\s*<(?P<a>[^<>\s]+@[^<>\s]+)>|(?P<b>\S+@\S+))$")

# Record fields -> the Graph properties that hold them (partial updates write only these).
CONTACT_PROPS: dict[str, tuple[str, ...]] = {
    "salutation": ("title",),
    "first_name": ("givenName", "displayName"),
    "last_name": ("surname", "displayName"),
    "emails": ("emailAddresses",),
    "business_phone": ("businessPhones",),
    "mobile_phone": ("mobilePhone",),
    "home_phone": ("homePhones",),
    "title": ("jobTitle",),
    "department": ("department",),
    "company": ("companyName",),
    "mailing_address": ("businessAddress",),
    "other_address": ("otherAddress",),
    "birthdate": ("birthday",),
    "assistant_name": ("assistantName",),
    "description": ("personalNotes",),
}
# Graph v1.0 contacts have no property for these (docs/field-maps.md).
CONTACT_UNHELD = ("other_phone", "fax", "assistant_phone")


# --------------------------------------------------------------------------- contacts


def _address_to(a: Address | None) -> dict[str, str]:
    if a is None:
        return {}
    return {"street": a.street, "city": a.city, "state": a.state,
            "postalCode": a.postal_code, "countryOrRegion": a.country}  # fmt: skip


def _address_from(value: Any) -> Address | None:
    v = value if isinstance(value, dict) else {}
    return Address.normalized(
        v.get("street"),
        v.get("city"),
        v.get("state"),
        v.get("postalCode"),
        v.get("countryOrRegion"),
    )


def contact_to_graph(c: Contact, fields: Iterable[str] | None = None) -> dict[str, Any]:
    name = " ".join(p for p in (c.first_name, c.last_name) if p)
    full: dict[str, Any] = {
        "title": c.salutation or None,
        "givenName": c.first_name or None,
        "surname": c.last_name or None,
        "displayName": name or (c.emails[0] if c.emails else ""),
        "emailAddresses": [
            {"address": e, "name": name if i == 0 and name else e}
            for i, e in enumerate(c.emails[:MAX_EMAILS])
        ],
        "businessPhones": [c.business_phone] if c.business_phone else [],
        "mobilePhone": c.mobile_phone or None,
        "homePhones": [c.home_phone] if c.home_phone else [],
        "jobTitle": c.title or None,
        "department": c.department or None,
        "companyName": c.company or None,
        "businessAddress": _address_to(c.mailing_address),
        "otherAddress": _address_to(c.other_address),
        "birthday": f"{c.birthdate.isoformat()}T11:59:00Z" if c.birthdate else None,
        "assistantName": c.assistant_name or None,
        "personalNotes": c.description or None,
    }
    if fields is None:
        return full
    wanted = {p for f in fields for p in CONTACT_PROPS.get(f, ())}
    return {k: v for k, v in full.items() if k in wanted}


def _first(values: Any) -> str:
    return str(values[0]) if isinstance(values, list) and values and values[0] else ""


def contact_from_graph(obj: dict[str, Any]) -> Contact:
    birthday = obj.get("birthday")
    return Contact.normalized(
        salutation=obj.get("title"),
        first_name=obj.get("givenName"),
        last_name=obj.get("surname"),
        emails=[e.get("address") for e in obj.get("emailAddresses") or [] if isinstance(e, dict)],
        business_phone=_first(obj.get("businessPhones")),
        mobile_phone=obj.get("mobilePhone"),
        home_phone=_first(obj.get("homePhones")),
        title=obj.get("jobTitle"),
        department=obj.get("department"),
        company=obj.get("companyName"),
        mailing_address=_address_from(obj.get("businessAddress")),
        other_address=_address_from(obj.get("otherAddress")),
        birthdate=str(birthday)[:10] if birthday else None,
        assistant_name=obj.get("assistantName"),
        description=obj.get("personalNotes"),
    )


def canonical_contact(c: Contact) -> Contact:
    """What a Graph contact keeps of `c`."""
    return contact_from_graph(contact_to_graph(c))


def marker_of(obj: dict[str, Any]) -> str | None:
    wanted = MARKER_PROPERTY.lower()
    for prop in obj.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).lower() == wanted and prop.get("value"):
            return str(prop["value"])
    return None


def marker_json(marker: str) -> list[dict[str, str]]:
    return [{"id": MARKER_PROPERTY, "value": marker}]


# --------------------------------------------------------------------------- events


def _when(moment: datetime, e: Event) -> dict[str, str]:
    if e.all_day:
        return {
            "dateTime": f"{moment.date().isoformat()}T00:00:00",
            "timeZone": to_graph(e.time_zone),
        }
    local = moment.astimezone(ZoneInfo(e.time_zone))
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        # A wall time in the hour a DST change repeats names two moments, and Graph picks one:
        # such a time is written in UTC, which names one.
        utc = moment.astimezone(UTC)
        return {"dateTime": utc.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": to_graph(e.time_zone)}


def body_text(e: Event, invitations: bool, invited: Iterable[str] = ()) -> str:
    """The body: the description, plus (invitations off) the invitee section listing every
    attendee who is not already a real attendee of the Outlook event (`invited`)."""
    skip = set(invited)
    listed = [a for a in e.attendees if a.email not in skip]
    if invitations or not listed:
        return e.description
    lines = [f"- {a.name} <{a.email}>" if a.name else f"- {a.email}" for a in listed]
    section = "\n".join([ATTENDEES_HEADER, *lines])
    return f"{e.description}\n\n{section}" if e.description else section


def event_to_graph(
    e: Event,
    *,
    invitations: bool,
    fields: Iterable[str] | None = None,
    invited: Iterable[str] = (),
) -> dict[str, Any]:
    """Graph JSON for `e`; `invited`: e-mails that are already real attendees of the event.
    Raises UnsupportedRecurrence for a rule Outlook cannot hold."""
    full: dict[str, Any] = {
        "subject": e.subject,
        "body": {"contentType": "text", "content": body_text(e, invitations, invited)},
        "start": _when(e.start, e),
        "end": _when(e.end, e),
        "isAllDay": e.all_day,
        "location": {"displayName": e.location},
        "showAs": _SHOW_TO.get(e.show_as, "busy"),
        "sensitivity": "private" if e.private else "normal",
        "recurrence": (
            to_graph_recurrence(e.recurrence.rrule, e.start, e.time_zone) if e.recurrence else None
        ),
    }
    if invitations:
        full["attendees"] = [
            {"emailAddress": {"address": a.email, "name": a.name or a.email}, "type": "required"}
            for a in e.attendees
        ]
    if fields is None:
        return full
    names = set(fields)
    keys: set[str] = set()
    if names & {"start", "end", "all_day", "time_zone", "recurrence"}:
        keys |= {"start", "end", "isAllDay", "recurrence"}
    if "description" in names or ("attendees" in names and not invitations):
        keys.add("body")
    plain = {"subject": "subject", "location": "location", "show_as": "showAs",
             "private": "sensitivity", "attendees": "attendees"}  # fmt: skip
    keys |= {plain[n] for n in names if n in plain}
    return {k: v for k, v in full.items() if k in keys}


def _parse_when(value: Any, all_day: bool) -> datetime | date:
    raw = str((value or {}).get("dateTime") or "")
    m = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)", raw)
    if m is None:
        raise ValueError(f"not a Graph dateTime: {raw!r}")
    if all_day:
        return date.fromisoformat(m.group(1))
    wall = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}")
    zone = to_iana((value or {}).get("timeZone"))
    return wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def split_body(text: str) -> tuple[str, list[Attendee]]:
    """(description, attendees listed in lsync's section of the body)."""
    m = re.search(rf"(?:^|\n)[ \t]*{re.escape(ATTENDEES_HEADER)}[ \t]*(?:\n|$)", text)
    if m is None:
        return text, []
    found = []
    for line in text[m.end() :].split("\n"):
        hit = _ATTENDEE_LINE.match(line.strip())
        if hit:
            found.append(Attendee.normalized(hit.group("a") or hit.group("b"), hit.group("name")))
    return text[: m.start()], found


def _body_of(obj: dict[str, Any]) -> str:
    body = obj.get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType") or "text").lower() == "html":
        # Only when the text preference was not honoured: a crude but safe HTML -> text.
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return content


def event_from_graph(obj: dict[str, Any], exdates: Iterable[datetime] = ()) -> Event:
    all_day = bool(obj.get("isAllDay"))
    zone = to_iana(obj.get("originalStartTimeZone") or (obj.get("start") or {}).get("timeZone"))
    description, listed = split_body(_body_of(obj))
    attendees: list[Attendee] = []
    for a in obj.get("attendees") or []:
        address = (a.get("emailAddress") or {}) if isinstance(a, dict) else {}
        response = str((a.get("status") or {}).get("response") or "none").lower()
        email, name = str(address.get("address") or ""), str(address.get("name") or "")
        # Outlook fills a missing name with the address; that is no name.
        name = "" if name.strip().lower() == email.strip().lower() else name
        attendees.append(Attendee.normalized(email, name, _RESPONSE_FROM.get(response, "none")))
    known = {a.email for a in attendees}
    attendees += [a for a in listed if a.email not in known]
    recurrence = None
    if obj.get("recurrence"):
        rule = from_graph_recurrence(obj["recurrence"], zone)
        recurrence = Recurrence.normalized(rule, exdates) if rule else None
    # The mailbox owner organizes what it holds unless told otherwise; only a foreign
    # organizer (the user was invited) is worth carrying.
    organizer = (
        None if obj.get("isOrganizer", True) else (obj.get("organizer") or {}).get("emailAddress")
    )
    sensitivity = str(obj.get("sensitivity") or "normal").lower()
    return Event.normalized(
        subject=obj.get("subject"),
        start=_parse_when(obj.get("start"), all_day),
        end=_parse_when(obj.get("end"), all_day),
        all_day=all_day,
        time_zone=zone,
        location=(obj.get("location") or {}).get("displayName"),
        description=description,
        show_as=_SHOW_FROM.get(str(obj.get("showAs") or "busy").lower(), "busy"),
        private=sensitivity in ("private", "confidential"),
        recurrence=recurrence,
        attendees=attendees,
        organizer=(
            {"email": organizer.get("address"), "name": organizer.get("name")}
            if organizer
            else None
        ),
    )


def invitation_of(obj: dict[str, Any]) -> Invitation | None:
    """Who organizes a Graph event: None when the mailbox owner does (`isOrganizer`), else the
    organizer, the meeting's iCalendar UID and the owner's own response."""
    if obj.get("isOrganizer", True):
        return None
    address = ((obj.get("organizer") or {}).get("emailAddress") or {}).get("address")
    response = str((obj.get("responseStatus") or {}).get("response") or "none").lower()
    return Invitation(
        norm_email(address), str(obj.get("iCalUId") or ""), _RESPONSE_FROM.get(response, "none")
    )


def has_category(obj: dict[str, Any], category: str | None) -> bool:
    """Whether the user marked a Graph event with `category` (Outlook compares category names
    without regard to case); None: no mark is asked for, every event counts as marked."""
    if category is None:
        return True
    wanted = category.casefold()
    return any(str(c).strip().casefold() == wanted for c in obj.get("categories") or [])


def canonical_event(e: Event, *, invitations: bool) -> Event:
    """What a Graph event keeps of `e`: lsync writes events the mailbox organizes, so no organizer."""
    try:
        obj = event_to_graph(e, invitations=invitations)
    except UnsupportedRecurrence:
        return e
    obj["start"] = _as_utc(obj["start"], e.all_day)
    obj["end"] = _as_utc(obj["end"], e.all_day)
    obj["originalStartTimeZone"] = to_graph(e.time_zone)
    obj["attendees"] = [
        {**a, "status": {"response": r.response}}
        for a, r in zip(obj.get("attendees") or [], e.attendees, strict=False)
    ]
    return event_from_graph(obj, e.recurrence.exdates if e.recurrence else ())


def _as_utc(when: dict[str, str], all_day: bool) -> dict[str, str]:
    if all_day:
        return when
    wall = datetime.fromisoformat(when["dateTime"])
    moment = wall.replace(tzinfo=ZoneInfo(to_iana(when["timeZone"]))).astimezone(UTC)
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def modified_of(obj: dict[str, Any]) -> datetime | None:
    """When the item last changed (`lastModifiedDateTime`, UTC): the start of an edit's delay to
    Salesforce on the status page, and the time "newest wins" compares."""
    stamp = obj.get("lastModifiedDateTime")
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
