"""CreateItem, GetItem, UpdateItem and DeleteItem, one response message per element so that
exchangelib's bulk calls get an answer (or an error) per item."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from sandbox.exchange import calendar, meetings, occurrences
from sandbox.exchange.context import Context
from sandbox.exchange.items import Shape, new_item, write_item
from sandbox.exchange.soap import ItemError, ResponseBuilder, local, m, sub, t
from sandbox.exchange.state import (
    DeleteRecord,
    InvitationRecord,
    Item,
    Mailbox,
    Tombstone,
)
from sandbox.exchange.updates import apply_updates

DEFAULT_FOLDER = {"Contact": "contacts", "CalendarItem": "calendar", "Message": "drafts"}
SUPPORTED_KINDS = ("Contact", "CalendarItem", "Message", "Task")


def _record_invitations(
    ctx: Context, box: Mailbox, item: Item, operation: str, mode: str | None
) -> None:
    if item.kind != "CalendarItem":
        return
    recipients = calendar.attendees(item)
    if not recipients:
        return
    sent = mode is not None and mode != "SendToNone"
    if sent:
        item.meta["invited"] = "true"
    subject = item.fields.get("Subject")
    ctx.org.invitations.append(
        InvitationRecord(
            mailbox=box.smtp,
            item_id=item.id,
            subject=(subject.text or "") if subject is not None else "",
            operation=operation,
            mode=mode,
            recipients=recipients if sent else [],
        )
    )


def create_item(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("CreateItem")
    items = body.find(m("Items"))
    target = body.find(m("SavedItemFolderId"))
    box = ctx.box()
    invitations = body.get("SendMeetingInvitations")
    for elem in items if items is not None else []:
        kind = local(elem.tag)
        try:
            if kind not in SUPPORTED_KINDS:
                raise ItemError("ErrorInvalidItemForOperationCreateItem", f"Cannot create {kind}.")
            if target is not None and len(target):
                folder = ctx.folder(target[0])
            else:
                found = box.distinguished(DEFAULT_FOLDER.get(kind, "drafts"))
                if found is None:
                    raise ItemError("ErrorFolderNotFound", "The default folder is missing.")
                folder = found
            if kind == "CalendarItem" and invitations is None:
                raise ItemError(
                    "ErrorSendMeetingInvitationsRequired",
                    "SendMeetingInvitations attribute is required for calendar items.",
                )
            item = new_item(ctx.org, box, folder.id, elem, ctx.org.clock.now())
            if kind == "CalendarItem":
                calendar.prepare(item, ctx.request.time_zone)
                occurrences.validate(item)
        except ItemError as error:
            out.error(error)
            continue
        box.items[item.id] = item
        _record_invitations(ctx, box, item, "CreateItem", invitations)
        meetings.after_write(ctx.org, box, item, [], invitations)
        made = sub(sub(out.success(), m("Items")), t(kind))
        sub(made, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    return out.root


def _ids(body: ET.Element, container: str) -> list[ET.Element]:
    found = body.find(m(container))
    return list(found) if found is not None else []


def get_item(ctx: Context) -> ET.Element:
    body = ctx.request.body
    shape = Shape.parse(body.find(m("ItemShape")))
    out = ResponseBuilder("GetItem")
    for ref in _ids(body, "ItemIds"):
        try:
            box = ctx.box()
            resolved = occurrences.resolve(ctx, ref)
        except ItemError as error:
            out.error(error)
            continue
        holder = sub(out.success(), m("Items"))
        if isinstance(resolved, occurrences.Occurrence):
            occurrences.write(holder, box, resolved, shape)
        else:
            extra = calendar.extras(box, resolved) if resolved.kind == "CalendarItem" else []
            extra += occurrences.master_extras(resolved)
            write_item(holder, resolved, box, shape, extra)
    return out.root


def _check_change_key(item: Item, given: str | None, touched: set[str], mode: str) -> None:
    if not given or given == item.change_key or mode == "AlwaysOverwrite":
        return
    issued = item.key_seqs.get(given)
    untouched_since = issued is not None and all(
        item.field_seqs.get(name, 0) <= issued for name in touched
    )
    if mode == "AutoResolve" and untouched_since:
        return
    raise ItemError(
        "ErrorIrresolvableConflict",
        "The send or update operation could not be performed because the change key passed "
        "in the request does not match the current change key for the item.",
    )


def update_item(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("UpdateItem")
    mode = body.get("ConflictResolution", "AutoResolve")
    invitations = body.get("SendMeetingInvitationsOrCancellations")
    for change in _ids(body, "ItemChanges"):
        ref = next((c for c in change if local(c.tag) != "Updates"), None)
        updates = change.find(t("Updates"))
        try:
            if ref is None or updates is None:
                raise ItemError("ErrorSchemaValidation", "ItemChange needs an item id and Updates.")
            box = ctx.box()
            resolved = occurrences.resolve(ctx, ref)
            if isinstance(resolved, occurrences.Occurrence):
                item = occurrences.update(ctx, resolved, updates)
                before = calendar.attendees(item)
            else:
                item = resolved
                before = calendar.attendees(item) if item.kind == "CalendarItem" else []
                # Changes apply to a copy, so a refused change leaves the item as it was.
                scratch = copy.deepcopy(item)
                touched = apply_updates(scratch, updates)
                _check_change_key(item, ref.get("ChangeKey"), touched, mode)
                if item.kind == "CalendarItem":
                    calendar.prepare(scratch, ctx.request.time_zone)
                    occurrences.validate(scratch)
                    occurrences.after_master_change(scratch, touched)
                item.fields, item.extended = scratch.fields, scratch.extended
                item.exceptions = scratch.exceptions
                item.deleted_occurrences = scratch.deleted_occurrences
                item.touch(
                    ctx.org.next_seq(), ctx.org.make_change_key(), touched, ctx.org.clock.now()
                )
                _record_invitations(ctx, box, item, "UpdateItem", invitations)
            meetings.after_write(ctx.org, box, item, before, invitations)
        except ItemError as error:
            out.error(error)
            continue
        message = out.success()
        made = sub(sub(message, m("Items")), t(item.kind))
        if isinstance(resolved, occurrences.Occurrence):
            sub(made, t("ItemId"), Id=resolved.id, ChangeKey=resolved.change_key(item))
        else:
            sub(made, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        conflicts = sub(message, m("ConflictResults"))
        sub(conflicts, t("Count"), "0")
    return out.root


def delete_item(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("DeleteItem")
    delete_type = body.get("DeleteType", "HardDelete")
    cancellations = body.get("SendMeetingCancellations")
    for ref in _ids(body, "ItemIds"):
        try:
            box = ctx.box()
            resolved = occurrences.resolve(ctx, ref)
            if isinstance(resolved, occurrences.Occurrence):
                occurrences.delete(ctx, resolved)
                item = resolved.master
                attendees = calendar.attendees(item)
                meetings.after_write(ctx.org, box, item, attendees, cancellations)
            else:
                item = resolved
                if item.kind == "CalendarItem" and cancellations is None:
                    raise ItemError(
                        "ErrorSendMeetingCancellationsRequired",
                        "SendMeetingCancellations attribute is required for calendar items.",
                    )
                _remove(ctx, box, item, delete_type)
                meetings.after_delete(ctx.org, box, item, cancellations)
        except ItemError as error:
            out.error(error)
            continue
        _record_delete(ctx, box, item, delete_type, cancellations, resolved)
        out.success()
    return out.root


def _remove(ctx: Context, box: Mailbox, item: Item, delete_type: str) -> None:
    seq = ctx.org.next_seq()
    box.tombstones.append(Tombstone(item.id, item.folder_id, item.kind, item.created_seq, seq))
    if delete_type == "MoveToDeletedItems":
        bin_folder = box.distinguished("deleteditems")
        if bin_folder is not None:
            item.folder_id = bin_folder.id
            item.created_seq = item.modified_seq = seq
            return
    del box.items[item.id]


def _record_delete(
    ctx: Context,
    box: Mailbox,
    item: Item,
    delete_type: str,
    mode: str | None,
    resolved: Item | occurrences.Occurrence,
) -> None:
    if item.kind != "CalendarItem":
        return
    organizer = item.meta.get("organizer", box.smtp).lower() == box.smtp.lower()
    sent = calendar.attendees(item) if organizer and mode not in (None, "SendToNone") else []
    subject = item.fields.get("Subject")
    ctx.org.deletes.append(
        DeleteRecord(
            mailbox=box.smtp,
            item_id=resolved.id,
            subject=(subject.text or "") if subject is not None else "",
            delete_type=delete_type,
            send_meeting_cancellations=mode,
            cancellations_sent=sent,
        )
    )
