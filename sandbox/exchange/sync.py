"""SyncFolderItems: opaque, signed sync states over the mailbox's change sequence.

A state names the mailbox, the folder, a watermark in the change sequence and the emulator's
sync generation. ``expire_cursors()`` bumps the generation, so every state handed out before is
answered with ``ErrorInvalidSyncStateData``, as are forged or altered ones."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET

from sandbox.exchange import calendar, occurrences
from sandbox.exchange.context import Context
from sandbox.exchange.items import Shape, write_item
from sandbox.exchange.soap import ItemError, ResponseBuilder, m, sub, t, text_of, xml_bool
from sandbox.exchange.state import Folder, Item, Mailbox, Organisation, Tombstone

MAX_CHANGES = 512


def _key(org: Organisation) -> bytes:
    return hashlib.sha256(f"ews-sync-state:{org.seed}".encode()).digest()


def encode_state(org: Organisation, box: Mailbox, folder: Folder, watermark: int) -> str:
    payload = json.dumps(
        {"m": box.smtp, "f": folder.id, "w": watermark, "g": org.sync_generation},
        separators=(",", ":"),
    ).encode()
    signature = hmac.new(_key(org), payload, hashlib.sha256).digest()[:16]
    return base64.b64encode(b"\x01" + signature + payload).decode()


def decode_state(org: Organisation, box: Mailbox, folder: Folder, state: str) -> int:
    invalid = ItemError(
        "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."
    )
    try:
        raw = base64.b64decode(state, validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(raw) < 18 or raw[0] != 1:
        raise invalid
    signature, payload = raw[1:17], raw[17:]
    expected = hmac.new(_key(org), payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise invalid
    data = json.loads(payload)
    if data["m"] != box.smtp or data["f"] != folder.id or data["g"] != org.sync_generation:
        raise invalid
    return int(data["w"])


def _changes(
    box: Mailbox, folder: Folder, watermark: int, ignore: set[str]
) -> list[tuple[int, str, Item | Tombstone]]:
    found: list[tuple[int, str, Item | Tombstone]] = []
    for item in box.items.values():
        if item.folder_id != folder.id or item.modified_seq <= watermark or item.id in ignore:
            continue
        found.append(
            (item.modified_seq, "Create" if item.created_seq > watermark else "Update", item)
        )
    for stone in box.tombstones:
        if stone.folder_id == folder.id and stone.deleted_seq > watermark >= stone.created_seq:
            found.append((stone.deleted_seq, "Delete", stone))
    found.sort(key=lambda change: change[0])
    return found


def sync_folder_items(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("SyncFolderItems")
    shape = Shape.parse(body.find(m("ItemShape")))
    target = body.find(m("SyncFolderId"))
    try:
        if target is None or not len(target):
            raise ItemError("ErrorInvalidRequest", "SyncFolderId is required.")
        folder = ctx.folder(target[0])
        box = ctx.box()
        state = text_of(body.find(m("SyncState")))
        watermark = decode_state(ctx.org, box, folder, state) if state else 0
    except ItemError as error:
        if error.code == "ErrorFolderNotFound":
            error = ItemError("ErrorSyncFolderNotFound", error.message)
        message = out.error(error)
        if not ctx.org.omit_sync_state_on_error:
            # Both elements are optional in the schema; exchangelib 5.6 reads them before it
            # looks at the ResponseCode, so without them it fails with AttributeError.
            sub(message, m("SyncState"))
            sub(message, m("IncludesLastItemInRange"), "true")
        return out.root
    limit = int(text_of(body.find(m("MaxChangesReturned")), "100") or 100)
    limit = max(1, min(MAX_CHANGES, limit))
    ignore_elem = body.find(m("Ignore"))
    ignore = {i.get("Id", "") for i in ignore_elem} if ignore_elem is not None else set()
    changes = _changes(box, folder, watermark, ignore)
    page, rest = changes[:limit], changes[limit:]
    new_watermark = page[-1][0] if rest else ctx.org.sequence
    message = out.success()
    sub(message, m("SyncState"), encode_state(ctx.org, box, folder, max(new_watermark, watermark)))
    sub(message, m("IncludesLastItemInRange"), xml_bool(not rest))
    holder = sub(message, m("Changes"))
    for _, kind, entry in page:
        change = sub(holder, t(kind))
        if isinstance(entry, Tombstone):
            sub(change, t("ItemId"), Id=entry.item_id)
            continue
        extra = calendar.extras(box, entry) if entry.kind == "CalendarItem" else []
        extra += occurrences.master_extras(entry)
        write_item(change, entry, box, shape, extra)
    return out.root
