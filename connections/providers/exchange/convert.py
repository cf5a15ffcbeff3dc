"""Pure mapping between exchangelib items (Contact, CalendarItem) and our normalized records.

No network: the functions build or read exchangelib objects only. What EWS cannot hold is listed
in docs/field-maps.md; `canonical_*` give what Exchange keeps of a record.

Two extended properties of our own are registered on exchangelib's item classes when this module
is imported (registration is exchangelib's own, class-wide mechanism):
- `lsync_sf_id`: the Salesforce id of items lsync created (a MAPI named string property in lsync's
  GUID namespace), so matching after a crash, a reset or a mailbox move needs no guess;
- `lsync_salutation`: a contact's honorific, which EWS has no field for (PidTagDisplayNamePrefix).

Invitations: attendees are always written as real attendees; the store sends them nothing unless
the configuration asks (EWS's SendToNone), so no body section is needed as for Microsoft 365.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from exchangelib import Body, CalendarItem, EWSDate, EWSDateTime, EWSTimeZone, ExtendedProperty
from exchangelib import Contact as EwsContact
from exchangelib.errors import UnknownTimeZone
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.properties import Attendee as EwsAttendee
from exchangelib.properties import Mailbox

from connections.providers.exchange.recurrence import (
    UnsupportedRecurrence,
    from_ews,
    to_ews,
)
from syncengine.records import Address, Attendee, Contact, Event, Recurrence

__all__ = ["UnsupportedRecurrence"]

MARKER_FIELD = "lsync_sf_id"
SALUTATION_FIELD = "lsync_salutation"
MAX_EMAILS = 3  # EmailAddress1..3


class SalesforceIdProperty(ExtendedProperty):
    # lsync's own GUID: never change it, or items created before the change are not recognized.
    property_set_id = "8c2f8a55-2d1b-4f57-9a43-6e2b4f1d7c3a"
    property_name = "lsyncSalesforceId"
    property_type = "String"


class SalutationProperty(ExtendedProperty):
    property_tag = 0x3A45  # PidTagDisplayNamePrefix
    property_type = "String"


def _register(cls: Any, name: str, prop: type[ExtendedProperty]) -> None:
    # Already registered when the module is reloaded in the same process.
    with contextlib.suppress(ValueError):
        cls.register(name, prop)


_register(EwsContact, MARKER_FIELD, SalesforceIdProperty)
_register(CalendarItem, MARKER_FIELD, SalesforceIdProperty)
_register(EwsContact, SALUTATION_FIELD, SalutationProperty)

# Record fields -> the exchangelib fields that hold them (partial updates write only these).
CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "salutation": (SALUTATION_FIELD,),
    "first_name": ("given_name", "display_name"),
    "last_name": ("surname", "display_name"),
    "emails": ("email_addresses",),
    "business_phone": ("phone_numbers",),
    "mobile_phone": ("phone_numbers",),
    "home_phone": ("phone_numbers",),
    "other_phone": ("phone_numbers",),
    "fax": ("phone_numbers",),
    "assistant_phone": ("phone_numbers",),
    "title": ("job_title",),
    "department": ("department",),
    "company": ("company_name",),
    "mailing_address": ("physical_addresses",),
    "other_address": ("physical_addresses",),
    "birthdate": ("birthday",),
    "assistant_name": ("assistant_name",),
    "description": ("body",),
}
PHONES = {
    "business_phone": "BusinessPhone",
    "mobile_phone": "MobilePhone",
    "home_phone": "HomePhone",
    "other_phone": "OtherTelephone",
    "fax": "BusinessFax",
    "assistant_phone": "AssistantPhone",
}
ADDRESSES = {"mailing_address": "Business", "other_address": "Other"}

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "subject": ("subject",),
    "start": ("start", "end", "is_all_day", "recurrence"),
    "end": ("start", "end", "is_all_day", "recurrence"),
    "all_day": ("start", "end", "is_all_day", "recurrence"),
    "time_zone": ("start", "end", "is_all_day", "recurrence"),
    "recurrence": ("start", "end", "is_all_day", "recurrence"),
    "location": ("location",),
    "description": ("body",),
    "show_as": ("legacy_free_busy_status",),
    "private": ("sensitivity",),
    "attendees": ("required_attendees", "optional_attendees"),
}
_SHOW_TO = {"busy": "Busy", "free": "Free", "tentative": "Tentative", "oof": "OOF",
            "working_elsewhere": "WorkingElsewhere"}  # fmt: skip
_SHOW_FROM = {v.lower(): k for k, v in _SHOW_TO.items()}
RESPONSE_FROM = {"accept": "accepted", "organizer": "accepted", "decline": "declined",
                  "tentative": "tentative"}  # fmt: skip


# Characters XML 1.0 cannot carry: one of them in a field would fail a whole CreateItem request.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value: Any) -> Any:
    """`value` (a record, or anything in one) without the characters XML cannot carry."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, tuple):
        return tuple(xml_safe(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def updated_fields(mapping: dict[str, tuple[str, ...]], fields: Iterable[str] | None) -> list[str]:
    """The exchangelib field names an update of these record fields writes (all when None)."""
    names = mapping.keys() if fields is None else fields
    out: list[str] = []
    for name in names:
        for field in mapping.get(name, ()):
            if field not in out:
                out.append(field)
    return out


def text_of(body: Any) -> str:
    """Plain text of an item body; HTML (what Outlook writes) is reduced to its text."""
    if body is None:
        return ""
    text = str(body)
    if type(body).__name__ == "HTMLBody" or re.match(r"(?is)\s*<(html|body|div|p)\b", text):
        text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", text)
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


# --------------------------------------------------------------------------- contacts


def fill_contact(item: EwsContact, c: Contact) -> EwsContact:
    """Set every field of `c` on `item` (a new or fetched exchangelib Contact)."""
    c = xml_safe(c)
    name = " ".join(p for p in (c.first_name, c.last_name) if p)
    item.display_name = name or (c.emails[0] if c.emails else "") or c.company or "(no name)"
    item.given_name = c.first_name or None
    item.surname = c.last_name or None
    setattr(item, SALUTATION_FIELD, c.salutation or None)
    item.email_addresses = [
        EmailAddress(email=e, label=f"EmailAddress{i + 1}")
        for i, e in enumerate(c.emails[:MAX_EMAILS])
    ] or None
    phones = [
        PhoneNumber(label=label, phone_number=getattr(c, field))
        for field, label in PHONES.items()
        if getattr(c, field)
    ]
    item.phone_numbers = phones or None
    addresses = [
        PhysicalAddress(
            label=label,
            street=a.street or None,
            city=a.city or None,
            state=a.state or None,
            country=a.country or None,
            zipcode=a.postal_code or None,
        )
        for field, label in ADDRESSES.items()
        if (a := getattr(c, field)) is not None
    ]
    item.physical_addresses = addresses or None
    item.job_title = c.title or None
    item.department = c.department or None
    item.company_name = c.company or None
    b = c.birthdate
    item.birthday = EWSDate(b.year, b.month, b.day) if b else None
    item.assistant_name = c.assistant_name or None
    item.body = Body(c.description) if c.description else None
    return item


def contact_from_ews(item: EwsContact) -> Contact:
    emails = sorted(
        (e for e in item.email_addresses or [] if e.email),
        key=lambda e: str(e.label or ""),
    )
    phones = {p.label: p.phone_number for p in item.phone_numbers or [] if p.phone_number}
    addresses = {a.label: a for a in item.physical_addresses or []}

    def address(label: str) -> Address | None:
        a = addresses.get(label)
        if a is None:
            return None
        return Address.normalized(a.street, a.city, a.state, a.zipcode, a.country)

    return Contact.normalized(
        salutation=getattr(item, SALUTATION_FIELD, None),
        first_name=item.given_name,
        last_name=item.surname,
        emails=[e.email for e in emails],
        **{field: phones.get(label) for field, label in PHONES.items()},
        title=item.job_title,
        department=item.department,
        company=item.company_name,
        mailing_address=address("Business"),
        other_address=address("Other"),
        birthdate=_date_of(item.birthday),
        assistant_name=item.assistant_name,
        description=text_of(item.body),
    )


def _date_of(value: Any) -> date | None:
    """A plain date (exchangelib's EWSDate must not leak into our records)."""
    if isinstance(value, datetime):
        value = value.date()
    return date(value.year, value.month, value.day) if isinstance(value, date) else None


def canonical_contact(c: Contact) -> Contact:
    """What an Exchange contact keeps of `c` (three e-mails)."""
    return contact_from_ews(fill_contact(EwsContact(), c))


def modified_of(item: Any) -> datetime | None:
    """The item's LastModifiedTime (UTC): where an edit's delay to Salesforce starts."""
    value = getattr(item, "last_modified_time", None)
    # Through a timestamp: an EWSDateTime refuses a plain datetime.timezone.
    return datetime.fromtimestamp(value.timestamp(), UTC) if isinstance(value, datetime) else None


def marker_of(item: Any) -> str | None:
    value = getattr(item, MARKER_FIELD, None)
    return str(value) if value else None


# --------------------------------------------------------------------------- time zones


def ews_zone(zone: str) -> EWSTimeZone:
    """The exchangelib zone for an IANA name (Windows id through exchangelib.winzone); UTC when
    Windows has no zone for it."""
    try:
        return EWSTimeZone(zone)
    except UnknownTimeZone:
        return EWSTimeZone("UTC")


def iana_of(tz: Any) -> str:
    """IANA name of an exchangelib zone read from the server (its Windows id's main IANA zone)."""
    if tz is None:
        return "UTC"
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    ms_id = getattr(tz, "ms_id", None) or str(tz)
    try:
        return str(EWSTimeZone.from_ms_id(ms_id).key)
    except UnknownTimeZone:
        return "UTC"


def kept_zone(zone: str) -> str:
    """The IANA zone Exchange gives back for `zone` (Windows zones are coarser than IANA)."""
    return iana_of(EWSTimeZone.from_ms_id(ews_zone(zone).ms_id))


# --------------------------------------------------------------------------- events


def fill_event(item: CalendarItem, e: Event) -> CalendarItem:
    """Set every field of `e` on `item`. Raises UnsupportedRecurrence for a rule EWS cannot hold."""
    e = xml_safe(e)
    tz = ews_zone(e.time_zone)
    item.subject = e.subject
    item.is_all_day = e.all_day
    item._start_timezone = tz
    item._end_timezone = tz
    if e.all_day:
        # exchangelib takes all-day ends as the last day (inclusive) and adds the day back.
        first, last = e.start.date(), max(e.start.date(), e.end.date() - timedelta(days=1))
        item.start = EWSDate(first.year, first.month, first.day)
        item.end = EWSDate(last.year, last.month, last.day)
    else:
        item.start = EWSDateTime.from_datetime(e.start).astimezone(tz)
        item.end = EWSDateTime.from_datetime(e.end).astimezone(tz)
    item.location = e.location or None
    item.body = Body(e.description) if e.description else None
    item.legacy_free_busy_status = _SHOW_TO.get(e.show_as, "Busy")
    item.sensitivity = "Private" if e.private else "Normal"
    item.recurrence = (
        to_ews(e.recurrence.rrule, e.start, e.time_zone, e.all_day) if e.recurrence else None
    )
    item.required_attendees = [
        EwsAttendee(mailbox=Mailbox(email_address=a.email, name=a.name or None))
        for a in e.attendees
    ] or None
    item.optional_attendees = None
    return item


def _instant(value: Any) -> datetime | date:
    if isinstance(value, datetime):
        # A plain datetime: EWSDateTime.astimezone takes exchangelib zones only.
        return datetime.fromtimestamp(value.timestamp(), UTC)
    return value  # type: ignore[no-any-return]


def event_from_ews(item: CalendarItem, owner: str = "", exdates: Iterable[datetime] = ()) -> Event:
    """`owner`: the mailbox's address (an event it organizes has no organizer worth carrying);
    `exdates`: extra removed occurrences beyond the item's DeletedOccurrences."""
    zone = iana_of(getattr(item, "_start_timezone", None))
    all_day = bool(item.is_all_day)
    start, end = _instant(item.start), _instant(item.end)
    if all_day and isinstance(end, date) and not isinstance(end, datetime):
        end = end + timedelta(days=1)  # exchangelib reads all-day ends as the last day
    attendees = [
        Attendee.normalized(
            a.mailbox.email_address if a.mailbox else "",
            _name(a.mailbox),
            RESPONSE_FROM.get(str(a.response_type or "").lower(), "none"),
        )
        for a in list(item.required_attendees or []) + list(item.optional_attendees or [])
    ]
    recurrence = None
    rule = from_ews(item.recurrence, zone)
    if rule:
        removed = [_instant(d.start) for d in item.deleted_occurrences or [] if d.start]
        # Modified occurrences are items of their own: their starts are exdates too (Graph's way).
        removed += [_instant(o.original_start) for o in modified_occurrences(item)]
        removed += list(exdates)
        recurrence = Recurrence.normalized(
            rule, [d for d in removed if isinstance(d, datetime)], zone
        )
    organizer = None
    org = item.organizer
    if org is not None and org.email_address and org.email_address.lower() != owner.lower():
        organizer = {"email": org.email_address, "name": org.name}
    return Event.normalized(
        subject=item.subject,
        start=start,
        end=end,
        all_day=all_day,
        time_zone=zone,
        location=item.location,
        description=text_of(item.body),
        show_as=_SHOW_FROM.get(str(item.legacy_free_busy_status or "busy").lower(), "busy"),
        private=str(item.sensitivity or "").lower() in ("private", "confidential"),
        recurrence=recurrence,
        attendees=attendees,
        organizer=organizer,
    )


def modified_occurrences(item: Any) -> list[Any]:
    """A series' ModifiedOccurrences (id, start, end, original start) that name their start."""
    return [o for o in getattr(item, "modified_occurrences", None) or [] if o.original_start]


def _name(mailbox: Mailbox | None) -> str:
    if mailbox is None or not mailbox.name:
        return ""
    # Exchange fills a missing name with the address; that is no name.
    same = str(mailbox.name).strip().lower() == str(mailbox.email_address or "").lower()
    return "" if same else str(mailbox.name)


def canonical_event(e: Event) -> Event:
    """What an Exchange event keeps of `e`: its zone as Exchange names it, no organizer."""
    try:
        item = fill_event(CalendarItem(), e)
    except UnsupportedRecurrence:
        return e
    item._start_timezone = EWSTimeZone.from_ms_id(item._start_timezone.ms_id)
    if not e.all_day:
        item.start = item.start.astimezone(EWSTimeZone("UTC"))
        item.end = item.end.astimezone(EWSTimeZone("UTC"))
    return event_from_ews(item, exdates=e.recurrence.exdates if e.recurrence else ())
