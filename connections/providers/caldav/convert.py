"""vCard <-> `Contact` (pure). Written as vCard 4.0 (RFC 6350); 3.0 (RFC 2426) is read too.

An update patches the vCard the server holds: only the properties mapped here are replaced, so
what another client wrote (photos, nicknames, a second mobile number, its own X- properties)
stays. The first TEL of each kind and the first work and home ADR are the mapped ones.
What does not map is listed in README.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import vobject

from syncengine.records import Address, Contact

MARKER = "X-LSYNC-SALESFORCE-ID"
ASSISTANT = "X-ASSISTANT"
ASSISTANT_NAMES = ("x-assistant", "x-evolution-assistant", "x-ms-assistant")
TEL_TYPES = {
    "business_phone": ["work", "voice"],
    "mobile_phone": ["cell"],
    "home_phone": ["home", "voice"],
    "other_phone": ["voice"],
    "fax": ["work", "fax"],
    "assistant_phone": ["x-assistant"],
}
ADR_TYPES = {"mailing_address": "work", "other_address": "home"}


def _types(line: Any) -> set[str]:
    """TYPE values, however they were written (TYPE=a,b; TYPE=a;TYPE=b; TYPE="a,b"; 2.1 bare)."""
    values: list[str] = []
    for key, params in line.params.items():
        if key.upper() == "TYPE":
            values.extend(params)
        elif not params:
            values.append(key)
    return {v.strip().strip('"').lower() for value in values for v in value.split(",") if v}


def tel_slot(line: Any) -> str | None:
    """Which contact field a TEL line is, or None when it is not one lsync maps."""
    types = _types(line) - {"pref"}
    if "fax" in types:
        return "fax"
    if "cell" in types or "mobile" in types or "iphone" in types:
        return "mobile_phone"
    if "x-assistant" in types or "assistant" in types:
        return "assistant_phone"
    if "home" in types:
        return "home_phone"
    if "work" in types:
        return "business_phone"
    if types <= {"voice", "other", "main"}:
        return "other_phone"
    return None


def adr_slot(line: Any) -> str | None:
    types = _types(line)
    if "work" in types:
        return "mailing_address"
    if "home" in types or "other" in types:
        return "other_address"
    return None


def _mapped_lines(card: Any) -> dict[str, Any]:
    """The first line of each mapped TEL and ADR kind, by contact field."""
    lines: dict[str, Any] = {}
    for tel in card.contents.get("tel", []):
        slot = tel_slot(tel)
        if slot and slot not in lines:
            lines[slot] = tel
    for adr in card.contents.get("adr", []):
        slot = adr_slot(adr)
        if slot and slot not in lines:
            lines[slot] = adr
    return lines


def _value(card: Any, key: str) -> Any:
    lines = card.contents.get(key)
    return lines[0].value if lines else None


def _text(card: Any, key: str) -> str:
    value = _value(card, key)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value or "")


def _tel_text(value: Any) -> str:
    text = str(value or "")
    return text[4:] if text.lower().startswith("tel:") else text


def _birthdate(text: str) -> date | None:
    digits = text.strip().replace("-", "")[:8]
    if len(digits) != 8 or not digits.isdigit():
        return None  # "--0415" (no year) and free text have no Salesforce form
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _address(value: Any) -> Address | None:
    street = value.street if isinstance(value.street, str) else "\n".join(value.street)
    return Address.normalized(street, value.city, value.region, value.code, value.country)


def parse(text: str) -> Any:
    return vobject.readOne(text, ignoreUnreadable=True)


def contact_from_vcard(text: str) -> tuple[Contact, str | None]:
    """The contact and lsync's marker (the Salesforce id), if the vCard carries one."""
    card = parse(text)
    name = _value(card, "n")
    org = _value(card, "org") or []
    if isinstance(org, str):
        org = [org]
    lines = _mapped_lines(card)
    phones: dict[str, Any] = {
        slot: _tel_text(line.value) for slot, line in lines.items() if slot in TEL_TYPES
    }
    addresses: dict[str, Any] = {
        slot: _address(line.value) for slot, line in lines.items() if slot in ADR_TYPES
    }
    assistant = next(
        (str(_value(card, key)) for key in ASSISTANT_NAMES if card.contents.get(key)), ""
    )
    contact = Contact.normalized(
        salutation=name.prefix if name else "",
        first_name=name.given if name else "",
        last_name=name.family if name else "",
        emails=[str(line.value) for line in card.contents.get("email", [])],
        title=_text(card, "title"),
        company=org[0] if org else "",
        department=org[1] if len(org) > 1 else "",
        birthdate=_birthdate(_text(card, "bday")),
        description=_text(card, "note"),
        assistant_name=assistant,
        **phones,
        **addresses,
    )
    marker = _text(card, MARKER.lower()) or None
    return contact, marker


def _join(value: Any) -> str:
    return value if isinstance(value, str) else " ".join(value)


def _replace(card: Any, key: str, value: Any, params: dict[str, list[str]] | None = None) -> None:
    card.contents.pop(key, None)
    if value in ("", None, []):
        return
    line = card.add(key)
    line.value = value
    for param, values in (params or {}).items():
        line.params[param] = values


def vcard_text(record: Contact, *, uid: str, marker: str | None, existing: str | None) -> str:
    """The vCard to store: `existing` (the server's text) patched with `record`, or a new one."""
    card = parse(existing) if existing else vobject.vCard()
    if not card.contents.get("uid"):
        card.add("uid").value = uid
    _replace(card, "version", "4.0")
    old = _value(card, "n")
    card.contents.pop("n", None)
    card.add("n").value = vobject.vcard.Name(
        family=record.last_name,
        given=record.first_name,
        additional=_join(old.additional) if old else "",
        prefix=record.salutation,
        suffix=_join(old.suffix) if old else "",
    )
    display = " ".join(p for p in (record.first_name, record.last_name) if p)
    _replace(card, "fn", display or record.company or record.email or "(no name)")
    card.contents.pop("email", None)
    for index, email in enumerate(record.emails):
        line = card.add("email")
        line.value = email
        if index == 0:
            line.params["PREF"] = ["1"]
    _replace(card, "title", record.title)
    old_org = list(_value(card, "org") or [])
    org = [record.company, record.department, *old_org[2:]]
    _replace(card, "org", org if any(org) else None)
    _replace(card, "bday", record.birthdate.strftime("%Y%m%d") if record.birthdate else "")
    _replace(card, "note", record.description)
    for key in ASSISTANT_NAMES:
        card.contents.pop(key, None)
    _replace(card, ASSISTANT.lower(), record.assistant_name)
    _replace(card, MARKER.lower(), marker or "")
    _write_slots(card, record)
    return str(card.serialize())


def _write_slots(card: Any, record: Contact) -> None:
    for slot, line in _mapped_lines(card).items():
        key = "tel" if slot in TEL_TYPES else "adr"
        card.contents[key].remove(line)
    written: set[int] = set()
    for slot, types in TEL_TYPES.items():
        value = getattr(record, slot)
        if value:
            line = card.add("tel")
            line.value = value
            line.params["TYPE"] = [",".join(types)]
            written.add(id(line))
    for slot, kind in ADR_TYPES.items():
        address: Address | None = getattr(record, slot)
        if address:
            line = card.add("adr")
            line.value = vobject.vcard.Address(
                street=address.street,
                city=address.city,
                region=address.state,
                code=address.postal_code,
                country=address.country,
            )
            line.params["TYPE"] = [kind]
            written.add(id(line))
    for key in ("tel", "adr"):
        lines = card.contents.get(key, [])
        # lsync's lines first: a reader takes the first line of a kind as the mapped one.
        ours = [line for line in lines if id(line) in written]
        card.contents[key] = ours + [line for line in lines if id(line) not in written]
        if not card.contents[key]:
            card.contents.pop(key, None)
