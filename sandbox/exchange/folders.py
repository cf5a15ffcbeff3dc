"""GetFolder, FindFolder, CreateFolder and DeleteFolder."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import partial

from sandbox.exchange.context import Context
from sandbox.exchange.restriction import matches
from sandbox.exchange.soap import ItemError, ResponseBuilder, local, m, sub, t, text_of
from sandbox.exchange.state import FOLDER_KINDS, Folder, Mailbox, Tombstone

DEFAULT_CLASSES = {
    "ContactsFolder": "IPF.Contact",
    "CalendarFolder": "IPF.Appointment",
    "TasksFolder": "IPF.Task",
    "Folder": "IPF.Note",
}


def write_folder(parent: ET.Element, box: Mailbox, folder: Folder, id_only: bool = False) -> None:
    elem = sub(parent, t(folder.kind))
    sub(elem, t("FolderId"), Id=folder.id, ChangeKey=folder.change_key)
    if id_only:
        return
    if folder.parent_id is not None and folder.parent_id in box.folders:
        above = box.folders[folder.parent_id]
        sub(elem, t("ParentFolderId"), Id=above.id, ChangeKey=above.change_key)
    if folder.folder_class:
        sub(elem, t("FolderClass"), folder.folder_class)
    sub(elem, t("DisplayName"), folder.display_name)
    count = sum(1 for item in box.items.values() if item.folder_id == folder.id)
    sub(elem, t("TotalCount"), str(count))
    children = sum(1 for f in box.folders.values() if f.parent_id == folder.id)
    sub(elem, t("ChildFolderCount"), str(children))
    if folder.kind not in ("ContactsFolder", "CalendarFolder"):
        sub(elem, t("UnreadCount"), "0")


def get_folder(ctx: Context) -> ET.Element:
    out = ResponseBuilder("GetFolder")
    ids = ctx.request.body.find(m("FolderIds"))
    for ref in ids if ids is not None else []:
        try:
            folder = ctx.folder(ref)
        except ItemError as error:
            out.error(error)
            continue
        message = out.success()
        write_folder(sub(message, m("Folders")), ctx.box(), folder)
    return out.root


def _descendants(box: Mailbox, parent_id: str, deep: bool) -> list[Folder]:
    found: list[Folder] = []
    for folder in box.folders.values():
        if folder.parent_id == parent_id:
            found.append(folder)
            if deep:
                found.extend(_descendants(box, folder.id, deep))
    return found


def _folder_values(folder: Folder, uri: ET.Element) -> list[str]:
    name = (uri.get("FieldURI") or "").partition(":")[2]
    values = {"DisplayName": folder.display_name, "FolderClass": folder.folder_class}
    return [values[name]] if name in values else []


def find_folder(ctx: Context) -> ET.Element:
    body = ctx.request.body
    deep = body.get("Traversal", "Shallow") == "Deep"
    view = body.find(m("IndexedPageFolderView"))
    restriction = body.find(m("Restriction"))
    out = ResponseBuilder("FindFolder")
    parents = body.find(m("ParentFolderIds"))
    for ref in parents if parents is not None else []:
        try:
            parent = ctx.folder(ref)
        except ItemError as error:
            out.error(error)
            continue
        box = ctx.box()
        found = _descendants(box, parent.id, deep)
        if restriction is not None and len(restriction):
            found = [f for f in found if matches(restriction[0], partial(_folder_values, f))]
        total = len(found)
        offset, limit = 0, total
        if view is not None:
            offset = int(view.get("Offset", "0"))
            limit = int(view.get("MaxEntriesReturned", str(total)) or total)
        page = found[offset : offset + limit]
        message = out.success()
        root = sub(
            message,
            m("RootFolder"),
            IndexedPagingOffset=str(offset + len(page)),
            TotalItemsInView=str(total),
            IncludesLastItemInRange="true" if offset + len(page) >= total else "false",
        )
        folders = sub(root, t("Folders"))
        for folder in page:
            write_folder(folders, box, folder)
    return out.root


def create_folder(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("CreateFolder")
    parent_ref = body.find(m("ParentFolderId"))
    new = body.find(m("Folders"))
    try:
        if parent_ref is None or not len(parent_ref):
            raise ItemError("ErrorInvalidRequest", "ParentFolderId is required.")
        parent = ctx.folder(parent_ref[0])
    except ItemError as error:
        for _ in new if new is not None else [None]:
            out.error(error)
        return out.root
    box = ctx.box()
    for elem in new if new is not None else []:
        kind = local(elem.tag)
        name = text_of(elem.find(t("DisplayName")), "") or ""
        try:
            if kind not in FOLDER_KINDS:
                raise ItemError("ErrorSchemaValidation", f"Unexpected folder element {kind}.")
            if not name:
                raise ItemError("ErrorInvalidFolderId", "A folder needs a display name.")
            siblings = _descendants(box, parent.id, deep=False)
            if any(f.display_name.lower() == name.lower() for f in siblings):
                raise ItemError(
                    "ErrorFolderExists", "A folder with the specified name already exists."
                )
        except ItemError as error:
            out.error(error)
            continue
        folder_class = text_of(elem.find(t("FolderClass"))) or DEFAULT_CLASSES.get(kind, "IPF.Note")
        folder = Folder(
            ctx.org.make_id("folder"),
            ctx.org.make_change_key(),
            parent.id,
            name,
            folder_class,
            kind,
        )
        box.folders[folder.id] = folder
        write_folder(sub(out.success(), m("Folders")), box, folder, id_only=True)
    return out.root


def delete_folder(ctx: Context) -> ET.Element:
    out = ResponseBuilder("DeleteFolder")
    ids = ctx.request.body.find(m("FolderIds"))
    for ref in ids if ids is not None else []:
        try:
            folder = ctx.folder(ref)
            if folder.distinguished:
                raise ItemError(
                    "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted."
                )
        except ItemError as error:
            out.error(error)
            continue
        box = ctx.box()
        doomed = [folder, *_descendants(box, folder.id, deep=True)]
        for gone in doomed:
            for item in [i for i in box.items.values() if i.folder_id == gone.id]:
                del box.items[item.id]
                box.tombstones.append(
                    Tombstone(item.id, gone.id, item.kind, item.created_seq, ctx.org.next_seq())
                )
            del box.folders[gone.id]
        out.success()
    return out.root
