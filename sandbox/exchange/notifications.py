"""EWS pull notifications: Subscribe (``PullSubscriptionRequest``), GetEvents and Unsubscribe.

What Exchange does and the emulator copies:

- ``Subscribe`` names folders (``t:FolderIds``), event types and a ``Timeout`` in minutes
  (1–1440) and answers a ``SubscriptionId`` and a ``Watermark``. A ``Watermark`` in the request
  resumes from there (it must be one of this mailbox's).
- ``GetEvents(SubscriptionId, Watermark)`` answers one ``m:Notification`` with the events after
  the watermark in the subscribed folders, each with its own watermark, ``PreviousWatermark`` and
  ``MoreEvents`` (true when more than ``MAX_EVENTS`` are waiting: ask again with the last
  watermark). Nothing new: one ``StatusEvent`` carrying the current watermark.
- A subscription lives while GetEvents comes within its Timeout. Past it, the next GetEvents is
  answered ``ErrorExpiredSubscription`` and the subscription is gone (then
  ``ErrorSubscriptionNotFound``, as for an id Exchange never gave or one lost when a mailbox
  server restarts: ``drop_subscriptions()``).
- A watermark that is not one of this mailbox's, was altered, or is older than
  ``expire_cursors()``: ``ErrorInvalidWatermark``. GetEvents impersonating another mailbox than
  the subscription's: ``ErrorSubscriptionAccessDenied``.

Events are derived from the change sequence SyncFolderItems also reads, so several edits of one
item between two GetEvents are one ``ModifiedEvent`` (Exchange would send each; a client that
only wants to know *whether* a folder changed sees the same). A delete that moves the item to
Deleted Items is a ``MovedEvent`` (``OldParentFolderId`` the synced folder), a hard delete a
``DeletedEvent``. Streaming and push subscriptions are not emulated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.exchange.context import Context
from sandbox.exchange.soap import EWSFault, ItemError, ResponseBuilder, m, sub, t, text_of, xml_bool
from sandbox.exchange.state import Item, Mailbox, Organisation, Tombstone

MAX_EVENTS = 50
EVENT_TYPES = frozenset(
    {
        "CopiedEvent",
        "CreatedEvent",
        "DeletedEvent",
        "ModifiedEvent",
        "MovedEvent",
        "NewMailEvent",
        "FreeBusyChangedEvent",
    }
)


@dataclass
class PullSubscription:
    id: str
    mailbox: str
    folder_ids: frozenset[str]
    event_types: frozenset[str]
    timeout: timedelta
    last_seen: datetime

    def expired(self, now: datetime) -> bool:
        return now - self.last_seen > self.timeout


def _key(org: Organisation) -> bytes:
    return hashlib.sha256(f"ews-watermark:{org.seed}".encode()).digest()


def encode_watermark(org: Organisation, box: Mailbox, seq: int) -> str:
    payload = json.dumps(
        {"m": box.smtp, "w": seq, "g": org.sync_generation}, separators=(",", ":")
    ).encode()
    signature = hmac.new(_key(org), payload, hashlib.sha256).digest()[:16]
    return base64.b64encode(b"\x02" + signature + payload).decode()


def decode_watermark(org: Organisation, box: Mailbox, watermark: str) -> int:
    invalid = ItemError("ErrorInvalidWatermark", "The watermark used for the request is invalid.")
    try:
        raw = base64.b64decode(watermark, validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(raw) < 18 or raw[0] != 2:
        raise invalid
    signature, payload = raw[1:17], raw[17:]
    if not hmac.compare_digest(
        signature, hmac.new(_key(org), payload, hashlib.sha256).digest()[:16]
    ):
        raise invalid
    data = json.loads(payload)
    if data["m"] != box.smtp or data["g"] != org.sync_generation or data["w"] > org.sequence:
        raise invalid
    return int(data["w"])


def _new_id(org: Organisation) -> str:
    org.counter += 1
    digest = hashlib.sha256(f"{org.seed}:subscription:{org.counter}".encode()).digest()
    return base64.b64encode(b"\x10\x00" + digest[:40]).decode()


def subscribe(ctx: Context) -> ET.Element:
    out = ResponseBuilder("Subscribe")
    request = ctx.request.body.find(m("PullSubscriptionRequest"))
    if request is None:
        raise EWSFault(
            "ErrorInvalidOperation",
            "The EWS emulator implements pull subscriptions only (no push or streaming).",
        )
    try:
        box = ctx.box()
        if request.get("SubscribeToAllFolders", "").lower() == "true":
            folder_ids = frozenset(box.folders)
        else:
            holder = request.find(t("FolderIds"))
            if holder is None or not len(holder):
                raise ItemError("ErrorInvalidSubscriptionRequest", "FolderIds is required.")
            folder_ids = frozenset(ctx.folder(elem).id for elem in holder)
        types_elem = request.find(t("EventTypes"))
        types = frozenset((e.text or "").strip() for e in (types_elem or []))
        if not types or types - EVENT_TYPES:
            raise ItemError("ErrorInvalidSubscriptionRequest", "EventTypes is invalid.")
        minutes = int(text_of(_either(request, "Timeout"), "0") or 0)
        if not 1 <= minutes <= 1440:
            raise ItemError(
                "ErrorInvalidSubscriptionRequest", "Timeout must be between 1 and 1440 minutes."
            )
        given = text_of(_either(request, "Watermark"))
        start = decode_watermark(ctx.org, box, given) if given else ctx.org.sequence
    except ItemError as error:
        out.error(error)
        return out.root
    now = ctx.org.clock.now()
    subscription = PullSubscription(
        _new_id(ctx.org), box.smtp, folder_ids, types, timedelta(minutes=minutes), now
    )
    ctx.org.subscriptions[subscription.id] = subscription
    message = out.success()
    sub(message, m("SubscriptionId"), subscription.id)
    sub(message, m("Watermark"), encode_watermark(ctx.org, box, start))
    return out.root


def _either(parent: ET.Element, name: str) -> ET.Element | None:
    # The schema puts these in the types namespace; exchangelib 5.6 sends m:Watermark.
    found = parent.find(t(name))
    return found if found is not None else parent.find(m(name))


def _live(ctx: Context, subscription_id: str) -> PullSubscription:
    subscription = ctx.org.subscriptions.get(subscription_id)
    if subscription is None:
        raise ItemError("ErrorSubscriptionNotFound", "The specified subscription was not found.")
    if subscription.expired(ctx.org.clock.now()):
        del ctx.org.subscriptions[subscription_id]
        raise ItemError("ErrorExpiredSubscription", "The subscription has expired.")
    if ctx.mailbox is None or ctx.mailbox.smtp != subscription.mailbox:
        raise ItemError(
            "ErrorSubscriptionAccessDenied", "You are not allowed to access this subscription."
        )
    return subscription


Change = tuple[int, str, Item | Tombstone, str | None]  # (seq, event, entry, old folder)


def _changes(box: Mailbox, subscription: PullSubscription, watermark: int) -> list[Change]:
    folders = subscription.folder_ids
    found: list[Change] = []
    for item in box.items.values():
        if item.folder_id in folders and item.modified_seq > watermark:
            event = "CreatedEvent" if item.created_seq > watermark else "ModifiedEvent"
            found.append((item.modified_seq, event, item, None))
    for stone in box.tombstones:
        if stone.folder_id not in folders or stone.deleted_seq <= watermark:
            continue
        moved = box.items.get(stone.item_id)
        if moved is not None and moved.folder_id != stone.folder_id:
            found.append((stone.deleted_seq, "MovedEvent", moved, stone.folder_id))
        else:
            found.append((stone.deleted_seq, "DeletedEvent", stone, None))
    found.sort(key=lambda change: change[0])
    return [c for c in found if c[1] in subscription.event_types]


def get_events(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("GetEvents")
    subscription_id = (text_of(body.find(m("SubscriptionId")), "") or "").strip()
    previous = (text_of(body.find(m("Watermark")), "") or "").strip()
    try:
        subscription = _live(ctx, subscription_id)
        box = ctx.box()
        watermark = decode_watermark(ctx.org, box, previous)
    except ItemError as error:
        out.error(error)
        return out.root
    subscription.last_seen = ctx.org.clock.now()
    changes = _changes(box, subscription, watermark)
    page, rest = changes[:MAX_EVENTS], changes[MAX_EVENTS:]
    message = out.success()
    note = sub(message, m("Notification"))
    sub(note, t("SubscriptionId"), subscription.id)
    sub(note, t("PreviousWatermark"), previous)
    sub(note, t("MoreEvents"), xml_bool(bool(rest)))
    if not page:
        status = sub(note, t("StatusEvent"))
        sub(status, t("Watermark"), encode_watermark(ctx.org, box, ctx.org.sequence))
        return out.root
    stamp = ctx.org.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    for seq, event, entry, old_folder in page:
        elem = sub(note, t(event))
        sub(elem, t("Watermark"), encode_watermark(ctx.org, box, seq))
        sub(elem, t("TimeStamp"), stamp)
        if isinstance(entry, Tombstone):
            sub(elem, t("ItemId"), Id=entry.item_id)
            sub(elem, t("ParentFolderId"), Id=entry.folder_id)
            continue
        sub(elem, t("ItemId"), Id=entry.id, ChangeKey=entry.change_key)
        parent = box.folders[entry.folder_id]
        sub(elem, t("ParentFolderId"), Id=parent.id, ChangeKey=parent.change_key)
        if old_folder is not None:
            sub(elem, t("OldItemId"), Id=entry.id)
            sub(elem, t("OldParentFolderId"), Id=old_folder)
    return out.root


def unsubscribe(ctx: Context) -> ET.Element:
    out = ResponseBuilder("Unsubscribe")
    subscription_id = (text_of(ctx.request.body.find(m("SubscriptionId")), "") or "").strip()
    try:
        _live(ctx, subscription_id)
    except ItemError as error:
        out.error(error)
        return out.root
    del ctx.org.subscriptions[subscription_id]
    out.success()
    return out.root
