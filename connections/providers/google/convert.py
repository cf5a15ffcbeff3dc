"""People API Person <-> `Contact`, pure. (Calendar events: `convert_events.py`, re-exported here.)

Writing never drops what we do not manage: `person_from_contact(..., current=person)` keeps the
entries of the current Person that no record field maps to (phone numbers of other types, home
and custom addresses, a middle name, a second organization, other relations), so a sync does
not erase what the user keeps only in Google. What Google cannot hold is listed in
docs/field-maps.md ("Google Workspace").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from connections.providers.google.convert_events import (
    EVENT_KEYS,
    MARKER_PROPERTY,
    canonical_event,
    event_from_api,
    event_marker,
    event_to_api,
    has_color,
    invitation_of,
    original_start,
    patch_body,
)
from syncengine.records import Address, Contact

MARKER_KEY = "lsyncSalesforceId"
PHONE_TYPES: dict[str, str] = {
    "business_phone": "work",
    "mobile_phone": "mobile",
    "home_phone": "home",
    "other_phone": "other",
    "fax": "workFax",
    # People has no assistant phone type; a custom type label round-trips and shows as such.
    "assistant_phone": "assistant",
}
ADDRESS_TYPES: dict[str, str] = {"mailing_address": "work", "other_address": "other"}
ASSISTANT_RELATION = "assistant"
# Which Person field holds each record field (the updatePersonFields of an Update).
PERSON_FIELD_OF: dict[str, str] = {
    "salutation": "names",
    "first_name": "names",
    "last_name": "names",
    "emails": "emailAddresses",
    **dict.fromkeys(PHONE_TYPES, "phoneNumbers"),
    "title": "organizations",
    "department": "organizations",
    "company": "organizations",
    **dict.fromkeys(ADDRESS_TYPES, "addresses"),
    "birthdate": "birthdays",
    "assistant_name": "relations",
    "description": "biographies",
}
SYNCED_PERSON_FIELDS: tuple[str, ...] = tuple(sorted(set(PERSON_FIELD_OF.values())))
READ_FIELDS = ",".join((*SYNCED_PERSON_FIELDS, "clientData", "memberships", "metadata"))


def person_fields_for(record_fields: Iterable[str] | None) -> list[str]:
    if record_fields is None:
        return list(SYNCED_PERSON_FIELDS)
    return sorted({PERSON_FIELD_OF[f] for f in record_fields if f in PERSON_FIELD_OF})


# --------------------------------------------------------------------------- reading


def _first(entries: Any, **match: str) -> dict[str, Any]:
    for entry in entries or []:
        if isinstance(entry, dict) and all(entry.get(k) == v for k, v in match.items()):
            return entry
    return {}


def _address(entry: Mapping[str, Any]) -> Address | None:
    street = "\n".join(str(entry[k]) for k in ("streetAddress", "extendedAddress") if entry.get(k))
    return Address.normalized(
        street=street,
        city=entry.get("city", ""),
        state=entry.get("region", ""),
        postal_code=entry.get("postalCode", ""),
        country=entry.get("country", ""),
    )


def _birthday(person: Mapping[str, Any]) -> date | None:
    value = _first(person.get("birthdays")).get("date") or {}
    try:
        # A birthday without a year (allowed in Google) cannot be a Salesforce Birthdate.
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def contact_from_person(person: Mapping[str, Any]) -> Contact:
    name = _first(person.get("names"))
    org = _first(person.get("organizations"))
    phones = person.get("phoneNumbers")
    addresses = person.get("addresses")
    return Contact.normalized(
        salutation=name.get("honorificPrefix", ""),
        first_name=name.get("givenName", ""),
        last_name=name.get("familyName", ""),
        emails=[e.get("value") for e in person.get("emailAddresses") or []],
        **{f: _first(phones, type=t).get("value", "") for f, t in PHONE_TYPES.items()},
        title=org.get("title", ""),
        department=org.get("department", ""),
        company=org.get("name", ""),
        **{f: _address(_first(addresses, type=t)) for f, t in ADDRESS_TYPES.items()},
        birthdate=_birthday(person),
        assistant_name=_first(person.get("relations"), type=ASSISTANT_RELATION).get("person", ""),
        description=_first(person.get("biographies")).get("value", ""),
    )


def contact_marker(person: Mapping[str, Any]) -> str | None:
    value = _first(person.get("clientData"), key=MARKER_KEY).get("value")
    return str(value) if value else None


def group_names(person: Mapping[str, Any]) -> set[str]:
    names = set()
    for entry in person.get("memberships") or []:
        membership = entry.get("contactGroupMembership") or {}
        if membership.get("contactGroupResourceName"):
            names.add(str(membership["contactGroupResourceName"]))
        elif membership.get("contactGroupId"):
            names.add("contactGroups/" + str(membership["contactGroupId"]))
    return names


# --------------------------------------------------------------------------- writing


def _clean(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as we may send it back: without the read-only parts Google adds."""
    drop = {"metadata", "formattedType", "canonicalForm", "formattedValue", "displayName",
            "displayNameLastFirst", "unstructuredName"}  # fmt: skip
    return {k: v for k, v in entry.items() if k not in drop}


def _kept(current: Mapping[str, Any] | None, field: str, managed: set[str]) -> list[dict[str, Any]]:
    """The current entries a record field does not own: other types, and the second and later
    entries of a managed type (a record field owns only the first of its type)."""
    kept, seen = [], set()
    for entry in (current or {}).get(field) or []:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind in managed and kind not in seen:
            seen.add(kind)
            continue
        kept.append(_clean(entry))
    return kept


def _names(contact: Contact, current: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    base = _clean(_first((current or {}).get("names")))
    for key, value in (
        ("honorificPrefix", contact.salutation),
        ("givenName", contact.first_name),
        ("familyName", contact.last_name),
    ):
        if value:
            base[key] = value
        else:
            base.pop(key, None)
    return [base] if any(base.values()) else []


def _emails(contact: Contact, current: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Types the user gave an address in Google are kept; new ones are work (the primary) or
    other."""
    types = {
        str(e.get("value", "")).lower(): e.get("type")
        for e in (current or {}).get("emailAddresses") or []
        if isinstance(e, dict) and e.get("type")
    }
    return [
        {"value": e, "type": types.get(e) or ("work" if i == 0 else "other")}
        for i, e in enumerate(contact.emails)
    ]


def _phones(contact: Contact, current: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    mine = [
        {"value": getattr(contact, f), "type": t}
        for f, t in PHONE_TYPES.items()
        if getattr(contact, f)
    ]
    return mine + _kept(current, "phoneNumbers", set(PHONE_TYPES.values()))


def _organizations(contact: Contact, current: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    existing = [_clean(e) for e in (current or {}).get("organizations") or []]
    first = existing[0] if existing else {}
    for key, value in (
        ("name", contact.company),
        ("title", contact.title),
        ("department", contact.department),
    ):
        if value:
            first[key] = value
        else:
            first.pop(key, None)
    keep = [first] if any(first.get(k) for k in ("name", "title", "department")) else []
    return keep + existing[1:]


def _addresses(contact: Contact, current: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    mine = []
    for f, t in ADDRESS_TYPES.items():
        a: Address | None = getattr(contact, f)
        if a is None:
            continue
        entry = {"type": t, "streetAddress": a.street, "city": a.city, "region": a.state,
                 "postalCode": a.postal_code, "country": a.country}  # fmt: skip
        mine.append({k: v for k, v in entry.items() if v})
    return mine + _kept(current, "addresses", set(ADDRESS_TYPES.values()))


def _relations(contact: Contact, current: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    mine = (
        [{"person": contact.assistant_name, "type": ASSISTANT_RELATION}]
        if contact.assistant_name
        else []
    )
    return mine + _kept(current, "relations", {ASSISTANT_RELATION})


def person_from_contact(
    contact: Contact,
    *,
    current: Mapping[str, Any] | None = None,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The Person fields for `fields` (record field names; None: all), merged into `current`."""
    wanted = set(person_fields_for(fields))
    builders: dict[str, Any] = {
        "names": lambda: _names(contact, current),
        "emailAddresses": lambda: _emails(contact, current),
        "phoneNumbers": lambda: _phones(contact, current),
        "organizations": lambda: _organizations(contact, current),
        "addresses": lambda: _addresses(contact, current),
        "birthdays": lambda: (
            [
                {
                    "date": {
                        "year": contact.birthdate.year,
                        "month": contact.birthdate.month,
                        "day": contact.birthdate.day,
                    }
                }
            ]  # fmt: skip
            if contact.birthdate
            else []
        ),
        "relations": lambda: _relations(contact, current),
        "biographies": lambda: (
            [{"value": contact.description, "contentType": "TEXT_PLAIN"}]
            if contact.description
            else []
        ),
    }
    return {name: builders[name]() for name in SYNCED_PERSON_FIELDS if name in wanted}


def new_person(contact: Contact, group: str, marker: str | None) -> dict[str, Any]:
    person = {k: v for k, v in person_from_contact(contact).items() if v}
    person["memberships"] = [{"contactGroupMembership": {"contactGroupResourceName": group}}]
    if marker:
        person["clientData"] = [{"key": MARKER_KEY, "value": marker}]
    return person


__all__ = [
    "EVENT_KEYS",
    "MARKER_KEY",
    "MARKER_PROPERTY",
    "READ_FIELDS",
    "canonical_event",
    "contact_from_person",
    "contact_marker",
    "event_from_api",
    "event_marker",
    "event_to_api",
    "group_names",
    "has_color",
    "invitation_of",
    "new_person",
    "original_start",
    "patch_body",
    "person_fields_for",
    "person_from_contact",
]
