"""FindItem: a folder's items page by page (IndexedPageItemView), or a calendar's expanded
occurrences in a window (CalendarView), with restrictions and sort order."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, timedelta
from functools import partial

from sandbox.exchange import calendar, occurrences
from sandbox.exchange.context import Context
from sandbox.exchange.items import INDEXED, Shape, extended_key, iso, write_item
from sandbox.exchange.restriction import matches
from sandbox.exchange.soap import ItemError, ResponseBuilder, local, m, sub, t
from sandbox.exchange.state import Item, Mailbox

MAX_VIEW_DAYS = 731  # Exchange refuses calendar views over two years
FIND_COUNT_LIMIT = 1000  # the default EWSFindCountLimit throttling policy


def item_values(item: Item, path: ET.Element) -> list[str]:
    kind = local(path.tag)
    if kind == "ExtendedFieldURI":
        prop = item.extended.get(extended_key(path))
        if prop is None:
            return []
        return [v.text or "" for v in prop.iter(t("Value"))]
    uri = path.get("FieldURI") or ""
    parts = uri.split(":")
    name = parts[1] if len(parts) > 1 else uri
    if kind == "IndexedFieldURI":
        container = item.fields.get(INDEXED.get(name, name))
        if container is None:
            return []
        entry = next((e for e in container if e.get("Key") == path.get("FieldIndex")), None)
        if entry is None:
            return []
        if len(parts) > 2:
            part = entry.find(t(parts[2]))
            return [part.text or ""] if part is not None else []
        return [entry.text or ""]
    computed = {
        "DateTimeCreated": iso(item.created),
        "LastModifiedTime": iso(item.modified),
        "ItemId": item.id,
        "ParentFolderId": item.folder_id,
    }
    if name in computed:
        return [computed[name]]
    elem = item.fields.get(name)
    if elem is None:
        return []
    if len(elem):
        return [x.text or "" for x in elem.iter() if x.text and x is not elem]
    return [elem.text or ""]


def _sort_value(path: ET.Element, item: Item) -> str:
    return (item_values(item, path) or [""])[0].casefold()


def _sort(entries: list[Item], order: ET.Element | None) -> list[Item]:
    if order is None:
        return entries
    for field_order in reversed(list(order)):
        path = next((c for c in field_order if local(c.tag).endswith("FieldURI")), None)
        if path is None:
            continue
        descending = field_order.get("Order") == "Descending"
        entries = sorted(entries, key=partial(_sort_value, path), reverse=descending)
    return entries


def _write(
    holder: ET.Element, box: Mailbox, entry: Item | occurrences.Occurrence, shape: Shape
) -> None:
    if isinstance(entry, occurrences.Occurrence):
        occurrences.write(holder, box, entry, shape)
        return
    extra = calendar.extras(box, entry) if entry.kind == "CalendarItem" else []
    extra += occurrences.master_extras(entry)
    write_item(holder, entry, box, shape, extra)


def find_item(ctx: Context) -> ET.Element:
    body = ctx.request.body
    out = ResponseBuilder("FindItem")
    shape = Shape.parse(body.find(m("ItemShape")))
    restriction = body.find(m("Restriction"))
    parents = body.find(m("ParentFolderIds"))
    for ref in parents if parents is not None else []:
        try:
            folder = ctx.folder(ref)
            box = ctx.box()
            view = body.find(m("CalendarView"))
            if view is not None:
                entries: list[Item | occurrences.Occurrence] = _calendar_view(box, folder.id, view)
                offset, total = 0, len(entries)
                limit = int(view.get("MaxEntriesReturned") or total or 1)
            else:
                items = [i for i in box.items.values() if i.folder_id == folder.id]
                if restriction is not None and len(restriction):
                    rule = restriction[0]
                    items = [i for i in items if matches(rule, partial(item_values, i))]
                items = _sort(items, body.find(m("SortOrder")))
                entries = list(items)
                total = len(entries)
                paging = body.find(m("IndexedPageItemView"))
                offset = int(paging.get("Offset", "0")) if paging is not None else 0
                if paging is not None and paging.get("BasePoint") == "End":
                    offset = max(0, total - offset - int(paging.get("MaxEntriesReturned") or total))
                limit = (
                    int(paging.get("MaxEntriesReturned") or total or 1)
                    if paging is not None
                    else total
                )
        except ItemError as error:
            out.error(error)
            continue
        if view is not None and min(limit, total) > FIND_COUNT_LIMIT:
            out.error(ItemError("ErrorExceededFindCountLimit",
                                "The number of items exceeds the find count limit (EWSFindCountLimit)."))  # fmt: skip
            continue
        page = entries[offset : offset + max(0, min(limit, FIND_COUNT_LIMIT))]
        message = out.success()
        attrs = {
            "TotalItemsInView": str(total),
            "IncludesLastItemInRange": "true" if offset + len(page) >= total else "false",
        }
        if view is None:
            attrs["IndexedPagingOffset"] = str(offset + len(page))
        root = sub(message, m("RootFolder"), **attrs)
        holder = sub(root, t("Items"))
        for entry in page:
            _write(holder, box, entry, shape)
    return out.root


def _calendar_view(
    box: Mailbox, folder_id: str, view: ET.Element
) -> list[Item | occurrences.Occurrence]:
    start = calendar.parse_time(view.get("StartDate") or "", UTC)
    end = calendar.parse_time(view.get("EndDate") or "", UTC)
    if end < start:
        raise ItemError(
            "ErrorCalendarEndDateIsEarlierThanStartDate",
            "The EndDate of a calendar view must not be earlier than its StartDate.",
        )
    if end - start > timedelta(days=MAX_VIEW_DAYS):
        raise ItemError(
            "ErrorCalendarViewRangeTooBig",
            "The Calendar view range is too big. The maximum range is two years.",
        )
    return occurrences.window(box, folder_id, start, end)
