"""Items as the emulator stores them: the child elements of ``t:Contact``/``t:CalendarItem`` as
received, keyed by element name, plus extended properties keyed by their ExtendedFieldURI.
Serialising adds what the server computes (ids, timestamps, classes, calendar flags) and honours
the requested shape."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.exchange.soap import ItemError, T, local, sub, t, xml_bool
from sandbox.exchange.state import Item, Mailbox, Organisation

ITEM_CLASSES = {
    "Contact": "IPM.Contact",
    "CalendarItem": "IPM.Appointment",
    "Message": "IPM.Note",
    "Task": "IPM.Task",
    "DistributionList": "IPM.DistList",
}
# Indexed FieldURIs (``contacts:EmailAddress`` + FieldIndex) and the container element they live in.
INDEXED = {
    "EmailAddress": "EmailAddresses",
    "PhoneNumber": "PhoneNumbers",
    "ImAddress": "ImAddresses",
    "PhysicalAddress": "PhysicalAddresses",
}
# Read-only elements the server computes; a client that sends them gets ErrorInvalidPropertySet.
COMPUTED = {
    "ItemId",
    "CompleteName",
    "ParentFolderId",
    "DateTimeCreated",
    "LastModifiedTime",
    "CalendarItemType",
    "IsOrganizer",
    "MyResponseType",
    "Organizer",
    "IsMeeting",
    "IsRecurring",
    "IsCancelled",
    "FirstOccurrence",
    "LastOccurrence",
    "ModifiedOccurrences",
    "DeletedOccurrences",
    "AppointmentState",
    "MeetingRequestWasSent",
    "Duration",
    "OriginalStart",
    "RecurrenceId",
}
# xs:boolean fields: clients may send 1/0, Exchange always answers true/false.
BOOLEAN_FIELDS = {
    "IsAllDayEvent", "ReminderIsSet", "IsResponseRequested", "AllowNewTimeProposal",
    "IsOnlineMeeting", "IsDraft", "IsRead", "IsDeliveryReceiptRequested",
    "IsReadReceiptRequested", "HasPicture", "IsAssociated", "IsComplete", "IsTeamTask",
}  # fmt: skip
EXTENDED_KEYS = (
    "DistinguishedPropertySetId",
    "PropertySetId",
    "PropertyTag",
    "PropertyName",
    "PropertyId",
)


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def extended_key(uri: ET.Element) -> tuple[str, ...]:
    """ExtendedFieldURI identity: property set (GUIDs compare case-insensitively) and name/tag/id."""
    parts = []
    for name in EXTENDED_KEYS:
        value = uri.get(name) or ""
        if name in ("PropertySetId", "PropertyTag"):
            value = value.lower()
        parts.append(value)
    return tuple(parts)


@dataclass
class Shape:
    """``m:ItemShape``: a base shape and the properties asked for on top of it."""

    base: str = "AllProperties"
    fields: set[str] = field(default_factory=set)  # element names
    extended: set[tuple[str, ...]] = field(default_factory=set)

    @classmethod
    def parse(cls, elem: ET.Element | None) -> Shape:
        shape = cls()
        if elem is None:
            return shape
        base = elem.find(t("BaseShape"))
        shape.base = (base.text or "").strip() if base is not None else "AllProperties"
        extra = elem.find(t("AdditionalProperties"))
        for uri in extra if extra is not None else []:
            name = local(uri.tag)
            if name == "ExtendedFieldURI":
                shape.extended.add(extended_key(uri))
                continue
            field_uri = uri.get("FieldURI") or ""
            element = field_uri.split(":")[1] if ":" in field_uri else field_uri
            if name == "IndexedFieldURI":
                element = INDEXED.get(element, element)
            shape.fields.add(element)
        return shape

    def wants(self, element: str) -> bool:
        return self.base != "IdOnly" or element in self.fields


def store_fields(item: Item, elem: ET.Element) -> None:
    """Stores the client-writable children of a received item element."""
    for child in elem:
        name = local(child.tag)
        if not child.tag.startswith(f"{{{T}}}"):
            raise ItemError("ErrorSchemaValidation", f"Unexpected element {child.tag}.")
        if name == "ExtendedProperty":
            uri = child.find(t("ExtendedFieldURI"))
            if uri is None:
                raise ItemError("ErrorSchemaValidation", "ExtendedProperty without a URI.")
            item.extended[extended_key(uri)] = copy.deepcopy(child)
        elif name in COMPUTED:
            raise ItemError(
                "ErrorInvalidPropertySet", f"The property {name} is read-only and cannot be set."
            )
        else:
            item.fields[name] = normalised(child)


def normalised(elem: ET.Element) -> ET.Element:
    stored = copy.deepcopy(elem)
    if local(stored.tag) in BOOLEAN_FIELDS and stored.text is not None:
        stored.text = "true" if stored.text.strip().lower() in ("1", "true") else "false"
    return stored


def new_item(
    org: Organisation, box: Mailbox, folder_id: str, elem: ET.Element, now: datetime
) -> Item:
    seq = org.next_seq()
    item = Item(
        id=org.make_id("item"),
        change_key=org.make_change_key(),
        folder_id=folder_id,
        kind=local(elem.tag),
        fields={},
        extended={},
        created=now,
        modified=now,
        created_seq=seq,
        modified_seq=seq,
    )
    item.key_seqs[item.change_key] = seq
    store_fields(item, elem)
    return item


def _text(item: Item, name: str) -> str | None:
    elem = item.fields.get(name)
    return None if elem is None else (elem.text or "")


def _complete_name(item: Item) -> ET.Element:
    elem = ET.Element(t("CompleteName"))
    for source, target in (("GivenName", "FirstName"), ("MiddleName", "MiddleName"),
                           ("Surname", "LastName"), ("Generation", "Suffix"),
                           ("Initials", "Initials"), ("Nickname", "Nickname")):  # fmt: skip
        if _text(item, source):
            sub(elem, t(target), _text(item, source))
    sub(elem, t("FullName"), display_name(item))
    return elem


def display_name(item: Item) -> str:
    given, surname = _text(item, "GivenName") or "", _text(item, "Surname") or ""
    return _text(item, "DisplayName") or " ".join(p for p in (given, surname) if p)


def write_item(
    parent: ET.Element,
    item: Item,
    box: Mailbox,
    shape: Shape,
    extra: Iterable[ET.Element] = (),
    include_extended: bool = True,
) -> ET.Element:
    """Appends ``t:{kind}`` for the item. ``extra`` are computed elements (calendar flags)."""
    elem = sub(parent, t(item.kind))
    sub(elem, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    folder = box.folders.get(item.folder_id)
    computed: list[tuple[str, ET.Element]] = []

    def add(name: str, text: str | None = None, **attrs: str) -> None:
        made = ET.Element(t(name), attrs)
        if text is not None:
            made.text = text
        computed.append((name, made))

    if folder is not None:
        add("ParentFolderId", Id=folder.id, ChangeKey=folder.change_key)
    if "ItemClass" not in item.fields:
        add("ItemClass", ITEM_CLASSES.get(item.kind, "IPM.Note"))
    if "Sensitivity" not in item.fields:
        add("Sensitivity", "Normal")
    add("DateTimeCreated", iso(item.created))
    add("LastModifiedTime", iso(item.modified))
    add("HasAttachments", xml_bool(False))
    if item.kind == "Contact":
        if "DisplayName" not in item.fields:
            add("DisplayName", display_name(item))
        if "FileAs" not in item.fields:
            # Exchange's default FileAsMapping is LastCommaFirst.
            parts = [_text(item, "Surname") or "", _text(item, "GivenName") or ""]
            add("FileAs", ", ".join(p for p in parts if p) or display_name(item))
        computed.append(("CompleteName", _complete_name(item)))
    for name, made in computed:
        if shape.wants(name):
            elem.append(made)
    for name, stored in item.fields.items():
        if shape.wants(name):
            elem.append(copy.deepcopy(stored))
    for made in extra:
        if shape.wants(local(made.tag)):
            elem.append(made)
    if include_extended:
        for key, prop in item.extended.items():
            if key in shape.extended:
                elem.append(copy.deepcopy(prop))
    return elem
