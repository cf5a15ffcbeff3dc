"""People API Person resources: field masks, validation of written fields, rendering with the
read-only parts Google adds (per-field metadata, display names, formatted types)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sandbox.google.errors import people_invalid
from sandbox.google.store import Contact, rfc3339
from sandbox.google.strict import check_person

PERSON_FIELDS = frozenset(
    [
        "addresses",
        "ageRanges",
        "biographies",
        "birthdays",
        "calendarUrls",
        "clientData",
        "coverPhotos",
        "emailAddresses",
        "events",
        "externalIds",
        "genders",
        "imClients",
        "interests",
        "locales",
        "locations",
        "memberships",
        "metadata",
        "miscKeywords",
        "names",
        "nicknames",
        "occupations",
        "organizations",
        "phoneNumbers",
        "photos",
        "relations",
        "sipAddresses",
        "skills",
        "urls",
        "userDefined",
    ]
)
WRITABLE_FIELDS = frozenset(
    [
        "addresses",
        "biographies",
        "birthdays",
        "calendarUrls",
        "clientData",
        "emailAddresses",
        "events",
        "externalIds",
        "genders",
        "imClients",
        "interests",
        "locales",
        "locations",
        "memberships",
        "miscKeywords",
        "names",
        "nicknames",
        "occupations",
        "organizations",
        "phoneNumbers",
        "relations",
        "sipAddresses",
        "urls",
        "userDefined",
    ]
)
SINGLETONS = frozenset({"names", "biographies", "birthdays", "genders"})
#: Person keys that the schema knows but a client may not write (ignored, as Google does).
READ_ONLY_KEYS = frozenset(
    [
        "resourceName",
        "etag",
        "metadata",
        "photos",
        "coverPhotos",
        "ageRange",
        "ageRanges",
        "braggingRights",
        "fileAses",
        "relationshipInterests",
        "relationshipStatuses",
        "residences",
        "taglines",
        "skills",
    ]
)
DOCS = "https://developers.google.com/people/api/rest/v1/people.connections/list"
FORMATTED_TYPES = {
    "home": "Home",
    "work": "Work",
    "other": "Other",
    "mobile": "Mobile",
    "main": "Main",
    "homeFax": "Home Fax",
    "workFax": "Work Fax",
    "workMobile": "Work Mobile",
    "pager": "Pager",
    "googleVoice": "Google Voice",
}


def parse_mask(value: str | None, name: str, allowed: frozenset[str]) -> set[str]:
    if not value:
        raise people_invalid(
            f"{name} mask is required. Please specify one or more valid paths. "
            f"Valid paths are documented at {DOCS}."
        )
    paths = {p.strip() for p in value.split(",") if p.strip()}
    for path in sorted(paths):
        # Google accepts "person.names" as well as "names".
        bare = path.removeprefix("person.")
        if bare not in allowed:
            raise people_invalid(
                f'Invalid {name} mask path: "{path}". Valid paths are documented at {DOCS}.'
            )
    return {p.removeprefix("person.") for p in paths}


def clean_fields(body: Any, known: frozenset[str]) -> dict[str, list[dict[str, Any]]]:
    """The writable fields of a Person body, without the read-only per-entry parts."""
    if not isinstance(body, dict):
        raise people_invalid("Invalid JSON payload received. Expected a Person object.")
    check_person(body)
    fields: dict[str, list[dict[str, Any]]] = {}
    for key, value in body.items():
        if key in READ_ONLY_KEYS:
            continue
        if key not in known or key not in WRITABLE_FIELDS:
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise people_invalid(f"Invalid value at 'person.{key}', expected a list of objects.")
        if key in SINGLETONS and len(value) > 1:
            raise people_invalid(
                f"Only one {key[:-1] if key != 'biographies' else 'biography'} is supported per contact."
            )
        entries = []
        for entry in value:
            kept = {
                k: v
                for k, v in entry.items()
                if k not in ("metadata", "formattedType", "canonicalForm", "formattedValue")
                and not (key == "names" and k in ("displayName", "displayNameLastFirst"))
            }
            if key == "clientData" and not kept.get("key"):
                raise people_invalid("person.clientData[].key must not be empty.")
            entries.append(kept)
        fields[key] = entries
    return fields


def membership_groups(fields: dict[str, list[dict[str, Any]]]) -> list[str] | None:
    """Group resource names from ``memberships`` (None when the field is absent)."""
    if "memberships" not in fields:
        return None
    groups: list[str] = []
    for entry in fields.pop("memberships"):
        membership = entry.get("contactGroupMembership") or {}
        name = membership.get("contactGroupResourceName") or (
            "contactGroups/" + membership["contactGroupId"]
            if membership.get("contactGroupId")
            else None
        )
        if not name:
            raise people_invalid("Person must have a contact group membership.")
        if name not in groups:
            groups.append(name)
    if not groups:
        raise people_invalid("Person must have a contact group membership.")
    return groups


def etag(contact: Contact) -> str:
    digest = hashlib.sha256(f"{contact.resource_name}/{contact.seq}".encode()).hexdigest()
    return "%Eg" + digest[:30]


def _source(contact: Contact) -> dict[str, Any]:
    return {"type": "CONTACT", "id": contact.source_id}


def _decorate(field_name: str, entry: dict[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    kind = out.get("type")
    if isinstance(kind, str) and kind:
        out["formattedType"] = FORMATTED_TYPES.get(kind, kind)
    if field_name == "names":
        given, family = out.get("givenName", ""), out.get("familyName", "")
        full = " ".join(
            p for p in (out.get("honorificPrefix"), given, out.get("middleName"), family) if p
        )
        out["displayName"] = full or out.get("unstructuredName", "")
        out["displayNameLastFirst"] = (
            ", ".join(p for p in (family, given) if p) or out["displayName"]
        )
        out.setdefault("unstructuredName", out["displayName"])
    elif field_name == "phoneNumbers" and isinstance(out.get("value"), str):
        digits = re.sub(r"[^\d]", "", out["value"])
        if out["value"].strip().startswith("+") and 8 <= len(digits) <= 15:
            out["canonicalForm"] = "+" + digits
    elif field_name == "addresses":
        lines = [out.get("streetAddress"), out.get("extendedAddress")]
        lines.append(" ".join(p for p in (out.get("postalCode"), out.get("city")) if p))
        lines += [out.get("region"), out.get("country")]
        out["formattedValue"] = "\n".join(p for p in lines if p)
    return out


def render(contact: Contact, mask: set[str] | None) -> dict[str, Any]:
    """A Person as Google returns it; ``mask`` None means every field."""
    person: dict[str, Any] = {"resourceName": contact.resource_name, "etag": etag(contact)}
    wanted = PERSON_FIELDS if mask is None else mask
    if contact.deleted:
        person["metadata"] = {
            "sources": [_source(contact)],
            "deleted": True,
            "objectType": "PERSON",
        }
        return person
    if "metadata" in wanted:
        source = {
            **_source(contact),
            "etag": "#" + etag(contact)[3:15],
            "updateTime": rfc3339(contact.update_time, micros=True),
        }
        person["metadata"] = {"sources": [source], "objectType": "PERSON"}
    for field_name in sorted(wanted & set(contact.fields)):
        entries = contact.fields[field_name]
        if not entries:
            continue
        rendered = []
        for index, entry in enumerate(entries):
            out = _decorate(field_name, entry)
            meta: dict[str, Any] = {"source": _source(contact)}
            if index == 0 and field_name not in ("clientData", "userDefined"):
                meta = {"primary": True, "sourcePrimary": True, **meta}
            out["metadata"] = meta
            rendered.append(out)
        person[field_name] = rendered
    if "memberships" in wanted and contact.groups:
        person["memberships"] = [
            {
                "metadata": {"source": _source(contact)},
                "contactGroupMembership": {
                    "contactGroupId": name.split("/", 1)[1],
                    "contactGroupResourceName": name,
                },
            }
            for name in contact.groups
        ]
    return person


def check_groups(groups: list[str], known: dict[str, Any]) -> None:
    for name in groups:
        group = known.get(name)
        if group is None or group.deleted:
            raise people_invalid(f"Contact group {name} does not exist.")
        if group.system and name not in ("contactGroups/myContacts", "contactGroups/starred"):
            raise people_invalid(f"Cannot add contacts to system contact group {name}.")
