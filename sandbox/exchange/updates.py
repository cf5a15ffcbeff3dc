"""UpdateItem's field changes: SetItemField, AppendToItemField and DeleteItemField through a
FieldURI, an IndexedFieldURI (one entry, or one part of an address entry) or an
ExtendedFieldURI. Returns the names of the fields touched (conflict detection uses them)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from sandbox.exchange.items import COMPUTED, INDEXED, extended_key, normalised
from sandbox.exchange.soap import ItemError, local, t
from sandbox.exchange.state import Item


def field_name(path: ET.Element) -> str:
    """A stable name for what a change touches: ``GivenName``, ``EmailAddresses[EmailAddress1]``,
    ``PhysicalAddresses[Business].Street`` or ``ext:...``."""
    kind = local(path.tag)
    if kind == "ExtendedFieldURI":
        return "ext:" + "|".join(extended_key(path))
    uri = path.get("FieldURI") or ""
    parts = uri.split(":")
    if kind == "IndexedFieldURI":
        container = INDEXED.get(parts[1], parts[1]) if len(parts) > 1 else uri
        name = f"{container}[{path.get('FieldIndex')}]"
        return name + (f".{parts[2]}" if len(parts) > 2 else "")
    return parts[1] if len(parts) > 1 else uri


def apply_updates(item: Item, updates: ET.Element) -> set[str]:
    touched: set[str] = set()
    for change in updates:
        kind = local(change.tag)
        path = next((c for c in change if local(c.tag).endswith("FieldURI")), None)
        if path is None:
            raise ItemError("ErrorSchemaValidation", f"{kind} without a field path.")
        name = field_name(path)
        touched.add(name.split("[")[0] if not name.startswith("ext:") else name)
        if kind == "DeleteItemField":
            _delete(item, path)
            continue
        payload = next((c for c in change if not local(c.tag).endswith("FieldURI")), None)
        if payload is None:
            raise ItemError("ErrorSchemaValidation", f"{kind} without an item element.")
        if local(payload.tag) != item.kind:
            raise ItemError(
                "ErrorInvalidPropertySet",
                f"A {local(payload.tag)} change cannot be applied to a {item.kind}.",
            )
        _set(item, path, payload, append=kind == "AppendToItemField")
    return touched


def _set(item: Item, path: ET.Element, payload: ET.Element, append: bool) -> None:
    kind = local(path.tag)
    if kind == "ExtendedFieldURI":
        prop = payload.find(t("ExtendedProperty"))
        if prop is None:
            raise ItemError("ErrorSchemaValidation", "SetItemField without an ExtendedProperty.")
        item.extended[extended_key(path)] = copy.deepcopy(prop)
        return
    uri = path.get("FieldURI") or ""
    parts = uri.split(":")
    if kind == "IndexedFieldURI":
        container_name = INDEXED.get(parts[1], parts[1])
        given = payload.find(t(container_name))
        entry = given.find(t("Entry")) if given is not None else None
        if entry is None:
            raise ItemError("ErrorSchemaValidation", f"{uri} without an Entry.")
        stored = item.fields.setdefault(container_name, ET.Element(t(container_name)))
        key = path.get("FieldIndex")
        current = next((e for e in stored if e.get("Key") == key), None)
        if len(parts) > 2 and current is not None:
            # One part of an address entry: replace that part only.
            for part in entry:
                old = current.find(part.tag)
                if old is not None:
                    current.remove(old)
                current.append(copy.deepcopy(part))
            return
        if current is not None:
            stored.remove(current)
        stored.append(copy.deepcopy(entry))
        return
    name = parts[1] if len(parts) > 1 else uri
    if name in COMPUTED:
        raise ItemError("ErrorInvalidPropertySet", f"The property {name} is read-only.")
    value = payload.find(t(name))
    if value is None:
        # exchangelib names some fields differently from their element (item:Body -> Body is fine)
        if len(payload) != 1:
            raise ItemError("ErrorSchemaValidation", f"SetItemField for {uri} has no {name}.")
        value = payload[0]
        name = local(value.tag)
    if append and name in item.fields:
        for child in value:
            item.fields[name].append(copy.deepcopy(child))
        return
    item.fields[name] = normalised(value)


def _delete(item: Item, path: ET.Element) -> None:
    kind = local(path.tag)
    if kind == "ExtendedFieldURI":
        item.extended.pop(extended_key(path), None)
        return
    uri = path.get("FieldURI") or ""
    parts = uri.split(":")
    if kind == "IndexedFieldURI":
        container_name = INDEXED.get(parts[1], parts[1])
        stored = item.fields.get(container_name)
        if stored is None:
            return
        key = path.get("FieldIndex")
        entry = next((e for e in stored if e.get("Key") == key), None)
        if entry is None:
            return
        if len(parts) > 2:
            part = entry.find(t(parts[2]))
            if part is not None:
                entry.remove(part)
            if len(entry):
                return
        stored.remove(entry)
        if not len(stored):
            del item.fields[container_name]
        return
    name = parts[1] if len(parts) > 1 else uri
    if name in COMPUTED:
        raise ItemError("ErrorInvalidPropertySet", f"The property {name} is read-only.")
    item.fields.pop(name, None)
