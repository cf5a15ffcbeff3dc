"""Pure mapping between Salesforce REST JSON (SOQL rows, sObject bodies) and records.

No HTTP here. The adapters add what needs a lookup: the Account behind a company name
(Contact.AccountId) and the invitees behind attendee e-mails (EventRelation.RelationId).
What Salesforce cannot hold is listed in docs/field-maps.md ("Salesforce") and applied by
`canonical_contact` / `canonical_event`, so the engine hashes what Salesforce really keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connections.providers.salesforce import recurrence
from syncengine.records import Address, Attendee, Contact, Event

# --------------------------------------------------------------------------- contacts

CONTACT_TEXT: dict[str, str] = {
    "salutation": "Salutation",
    "first_name": "FirstName",
    "last_name": "LastName",
    "business_phone": "Phone",
    "mobile_phone": "MobilePhone",
    "home_phone": "HomePhone",
    "other_phone": "OtherPhone",
    "fax": "Fax",
    "title": "Title",
    "department": "Department",
    "assistant_name": "AssistantName",
    "assistant_phone": "AssistantPhone",
    "description": "Description",
}
ADDRESS_PARTS: dict[str, str] = {
    "street": "Street",
    "city": "City",
    "state": "State",
    "postal_code": "PostalCode",
    "country": "Country",
}
ADDRESSES: dict[str, str] = {"mailing_address": "Mailing", "other_address": "Other"}
SYSTEM_FIELDS = ["Id", "SystemModstamp", "LastModifiedById", "CreatedDate"]


def contact_select(second_email: str | None) -> list[str]:
    fields = [*SYSTEM_FIELDS, "OwnerId", "AccountId", "Account.Name", "Email"]
    if second_email:
        fields.append(second_email)
    fields += list(CONTACT_TEXT.values())
    fields += [f"{p}{part}" for p in ADDRESSES.values() for part in ADDRESS_PARTS.values()]
    fields.append("Birthdate")
    return fields


def email_fields(second_email: str | None) -> list[str]:
    return ["Email", second_email] if second_email else ["Email"]


def contact_from_row(row: dict[str, Any], second_email: str | None = None) -> Contact:
    account = row.get("Account") or {}
    values: dict[str, Any] = {name: row.get(sf) for name, sf in CONTACT_TEXT.items()}
    values["emails"] = [row.get(f) for f in email_fields(second_email)]
    values["company"] = account.get("Name") if isinstance(account, dict) else None
    for name, prefix in ADDRESSES.items():
        values[name] = {part: row.get(prefix + sf) for part, sf in ADDRESS_PARTS.items()}
    values["birthdate"] = row.get("Birthdate")
    return Contact.normalized(**values)


def contact_to_fields(
    record: Contact, second_email: str | None = None, names: frozenset[str] | None = None
) -> dict[str, Any]:
    """The sObject body for `record` (all fields, or only `names`), without AccountId.
    Empty values are written as null, which clears the field."""
    out: dict[str, Any] = {}

    def wanted(name: str) -> bool:
        return names is None or name in names

    for name, sf in CONTACT_TEXT.items():
        if wanted(name):
            out[sf] = getattr(record, name) or None
    if wanted("emails"):
        for index, sf in enumerate(email_fields(second_email)):
            out[sf] = record.emails[index] if index < len(record.emails) else None
    for name, prefix in ADDRESSES.items():
        if wanted(name):
            address: Address | None = getattr(record, name)
            for part, sf in ADDRESS_PARTS.items():
                out[prefix + sf] = (getattr(address, part) if address else "") or None
    if wanted("birthdate"):
        out["Birthdate"] = record.birthdate.isoformat() if record.birthdate else None
    return out


def canonical_contact(record: Contact, second_email: str | None = None) -> Contact:
    """What Salesforce keeps: one e-mail, or two with a second e-mail field."""
    return replace(record, emails=record.emails[: len(email_fields(second_email))])


# --------------------------------------------------------------------------- events

SHOW_AS_TO_SF = {"busy": "Busy", "free": "Free", "oof": "OutOfOffice"}
SHOW_AS_FROM_SF = {"Busy": "busy", "Free": "free", "OutOfOffice": "oof"}
STATUS_TO_SF = {"none": "New", "accepted": "Accepted", "declined": "Declined", "tentative": "Maybe"}
STATUS_FROM_SF = {v: k for k, v in STATUS_TO_SF.items()}

EVENT_SELECT = [
    *SYSTEM_FIELDS,
    "OwnerId",
    "Subject",
    "StartDateTime",
    "EndDateTime",
    "ActivityDate",
    "DurationInMinutes",
    "IsAllDayEvent",
    "Location",
    "Description",
    "ShowAs",
    "IsPrivate",
    "IsRecurrence2",
    "Recurrence2PatternText",
    "Recurrence2PatternTimeZone",
    "RecurrenceActivityId",
    "IsRecurrence2Exception",
    "IsRecurrence2Exclusion",
]


RELATION_SELECT = ["Id", "EventId", "RelationId", "Relation.Email", "Relation.Name", "Status"]
# Record fields -> the sObject fields written together for them.
EVENT_GROUPS: dict[str, tuple[str, ...]] = {
    "subject": ("Subject",),
    "location": ("Location",),
    "description": ("Description",),
    "show_as": ("ShowAs",),
    "private": ("IsPrivate",),
    "start": ("IsAllDayEvent", "StartDateTime", "EndDateTime", "ActivityDate"),
    "end": ("IsAllDayEvent", "StartDateTime", "EndDateTime", "ActivityDate"),
    "all_day": ("IsAllDayEvent", "StartDateTime", "EndDateTime", "ActivityDate"),
    "recurrence": ("IsRecurrence2", "Recurrence2PatternText", "Recurrence2PatternTimeZone"),
    "time_zone": ("Recurrence2PatternTimeZone",),
}


def parse_datetime(value: str) -> datetime:
    """Salesforce's ``2026-05-04T09:00:00.000+0000``."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def attendee_from_relation(relation: dict[str, Any]) -> Attendee | None:
    who = relation.get("Relation") or {}
    email = who.get("Email") if isinstance(who, dict) else None
    if not email:
        return None
    status = STATUS_FROM_SF.get(str(relation.get("Status") or "New"), "none")
    return Attendee.normalized(email, who.get("Name") or "", status)


def event_from_row(
    row: dict[str, Any], relations: Sequence[dict[str, Any]] = (), user_zone: str = "UTC"
) -> Event:
    series = bool(row.get("IsRecurrence2")) and bool(row.get("Recurrence2PatternText"))
    zone = (row.get("Recurrence2PatternTimeZone") or user_zone) if series else user_zone
    attendees = [a for a in (attendee_from_relation(r) for r in relations) if a is not None]
    common: dict[str, Any] = {
        "subject": row.get("Subject"),
        "time_zone": zone,
        "location": row.get("Location"),
        "description": row.get("Description"),
        "show_as": SHOW_AS_FROM_SF.get(str(row.get("ShowAs") or "Busy"), "busy"),
        "private": bool(row.get("IsPrivate")),
        "recurrence": recurrence.from_pattern(row.get("Recurrence2PatternText")) or None
        if series
        else None,
        "attendees": attendees,
    }
    if row.get("IsAllDayEvent"):
        first = date.fromisoformat(str(row.get("ActivityDate") or row["StartDateTime"])[:10])
        minutes = int(row.get("DurationInMinutes") or 1440)
        days = max(1, -(-minutes // 1440))
        return Event.normalized(
            start=first, end=first + timedelta(days=days), all_day=True, **common
        )
    return Event.normalized(
        start=parse_datetime(row["StartDateTime"]),
        end=parse_datetime(row["EndDateTime"]),
        **common,
    )


def event_to_fields(record: Event, names: frozenset[str] | None = None) -> dict[str, Any]:
    """The sObject body for `record` (all fields, or those behind `names`), without
    attendees (EventRelation rows). Raises recurrence.UnsupportedRule."""
    wanted: set[str] = set()
    for name, group in EVENT_GROUPS.items():
        if names is None or name in names:
            wanted.update(group)
    out: dict[str, Any] = {
        "Subject": record.subject or None,
        "Location": record.location or None,
        "Description": record.description or None,
        "ShowAs": SHOW_AS_TO_SF.get(record.show_as, "Busy"),
        "IsPrivate": record.private,
    }
    if record.all_day:
        days = max(1, (record.end.date() - record.start.date()).days)
        out.update(
            IsAllDayEvent=True,
            ActivityDate=record.start.date().isoformat(),
            DurationInMinutes=days * 1440,
        )
        if "ActivityDate" in wanted:
            wanted.add("DurationInMinutes")
    else:
        out.update(
            IsAllDayEvent=False,
            StartDateTime=format_datetime(record.start),
            EndDateTime=format_datetime(record.end),
        )
    if record.recurrence is not None:
        out.update(
            IsRecurrence2=True,
            Recurrence2PatternText=recurrence.to_pattern(record.recurrence.rrule),
            Recurrence2PatternTimeZone=record.time_zone,
        )
    else:
        out.update(IsRecurrence2=False, Recurrence2PatternText=None)
        wanted.discard("Recurrence2PatternTimeZone")
    return {k: v for k, v in out.items() if k in wanted}


def canonical_event(record: Event, user_zone: str = "UTC") -> Event:
    """What Salesforce keeps of `record`: no tentative / working-elsewhere free-busy state (busy),
    no organizer of its own (the owner is the organizer), and the owner's zone for single events
    (Salesforce keeps a zone only for series). A series' removed occurrences are kept: they are
    occurrence rows the series no longer has (stores/series.py)."""
    series = record.recurrence
    return replace(
        record,
        show_as=record.show_as if record.show_as in SHOW_AS_TO_SF else "busy",
        time_zone=record.time_zone if series else user_zone,
        organizer=None,
    )
