"""Contacts in the user's `Salesforce_Sync` contact folder (found, or created on first use)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from connections.providers.microsoft.client import GraphClient, GraphError
from connections.providers.microsoft.convert import (
    canonical_contact,
    contact_from_graph,
    contact_to_graph,
    marker_json,
    marker_of,
    modified_of,
)
from connections.providers.microsoft.stores.base import EXPAND_MARKER, GraphStore, Step, translated
from syncengine.records import Contact, Event
from syncengine.stores.base import (
    ChangePage,
    Create,
    CursorExpired,
    Item,
    Kind,
    MatchKey,
    NotFound,
    Update,
)

FOLDER_NAME = "Salesforce_Sync"
# Above this many changed items, markers are read by listing the folder rather than item by item.
LIST_THRESHOLD = 40


def _item(obj: dict[str, Any], marker: str | None) -> Item:
    version = str(obj.get("changeKey") or "")
    return Item(str(obj["id"]), version, contact_from_graph(obj), marker, modified_of(obj))


def _unmarked(obj: dict[str, Any]) -> Item:
    """A delta entry as an item; its marker (not in delta answers) is added once read."""
    return _item(obj, None)


class GraphContactStore(GraphStore):
    kind: Kind = "contacts"

    def __init__(self, client: GraphClient, mailbox: str, folder_name: str = FOLDER_NAME) -> None:
        super().__init__(client, mailbox)
        self.folder_name = folder_name
        self._folder_id: str | None = None

    def canonical(self, record: Contact | Event) -> Contact | Event:
        return canonical_contact(record) if isinstance(record, Contact) else record

    # ------------------------------------------------------------------ the folder

    def folder_id(self, *, create: bool = True) -> str | None:
        """The folder's id: remembered from an earlier run of this process, else found (or
        made). A remembered folder that is gone is forgotten by `changes` and found again."""
        what = f"contactFolder:{self.folder_name.lower()}"
        if self._folder_id is None:
            self._folder_id = self.client.remembered(self.mailbox, what)
        if self._folder_id is None:
            with translated():
                self._folder_id = self._find_folder()
                if self._folder_id is None and create:
                    self._folder_id = self._create_folder()
            self.client.remember(self.mailbox, what, self._folder_id)
        return self._folder_id

    def _forget_folder(self) -> None:
        self._folder_id = None
        self.client.remember(self.mailbox, f"contactFolder:{self.folder_name.lower()}", None)

    def _find_folder(self) -> str | None:
        name = self.folder_name.replace("'", "''")
        page = self.client.send(
            "GET",
            f"{self.user_path}/contactFolders",
            params={"$filter": f"displayName eq '{name}'"},
        )
        for folder in page.get("value") or []:
            if str(folder.get("displayName", "")).lower() == self.folder_name.lower():
                return str(folder["id"])
        return None

    def _create_folder(self) -> str:
        try:
            made = self.client.send(
                "POST", f"{self.user_path}/contactFolders", body={"displayName": self.folder_name}
            )
        except GraphError as error:
            if error.status != 409:
                raise
            # Created meanwhile by another run: use that one.
            found = self._find_folder()
            if found is None:
                raise
            return found
        return str(made["id"])

    def item_path(self, item_id: str) -> str:
        return f"{self.user_path}/contacts/{item_id}"

    # ------------------------------------------------------------------ writes

    def create_step(self, op: Create) -> Step:
        assert isinstance(op.record, Contact)
        body = contact_to_graph(op.record)
        if op.marker:
            body["singleValueExtendedProperties"] = marker_json(op.marker)
        return {
            "method": "POST",
            "url": f"{self.user_path}/contactFolders/{self.folder_id()}/contacts",
            "body": body,
        }

    def update_step(self, op: Update) -> Step:
        assert isinstance(op.record, Contact)
        body = contact_to_graph(op.record, op.fields)
        return {"method": "PATCH", "url": self.item_path(op.id), "body": body}

    # ------------------------------------------------------------------ reads

    def changes(self, cursor: str | None) -> ChangePage:
        if cursor is not None and not cursor.startswith(self.client.base):
            raise CursorExpired("the sync cursor belongs to another Graph endpoint")
        for attempt in (1, 2):
            url = cursor or (
                f"{self.client.base}{self.user_path}/contactFolders/{self.folder_id()}"
                "/contacts/delta"
            )
            try:
                entries, link = self.delta_pages(
                    url, "odata.maxpagesize=200", expiring=cursor is not None, shape=_unmarked
                )
                break
            except (CursorExpired, NotFound):
                # The folder may be gone (a user deleted it): find or create it again, at once
                # for a full listing, next time for a cursor (the engine then lists in full).
                self._forget_folder()
                if cursor is not None or attempt == 2:
                    raise
        deleted = [str(e["id"]) for e in entries if isinstance(e, dict)]
        changed = [e for e in entries if isinstance(e, Item)]
        markers = self._markers([it.id for it in changed])
        items = [replace(it, marker=m) if (m := markers.get(it.id)) else it for it in changed]
        return ChangePage(items, deleted, link or None, cursor is None)

    def own_writes_echoed(self, cursor: str) -> tuple[str, dict[str, str]] | None:
        """One delta round from `cursor`, read after this store's writes (the delta reports
        lsync's own writes back). When it reports nothing but those writes, each at the version
        its write returned (a delete as removed), its deltaLink and those versions: the engine
        records them and starts the next run there, which then reads none of them again. None
        when it reports anything else (a user's edit made meanwhile): the next run reads the
        round from `cursor` as before. Only ids and changeKeys are kept, a page at a time."""
        if not self.own_writes or not cursor.startswith(self.client.base):
            return None
        versions: dict[str, str] = {}
        link = ""
        with translated():
            for page in self.client.pages(cursor, headers={"Prefer": "odata.maxpagesize=200"}):
                for entry in page.get("value") or []:
                    if not isinstance(entry, dict) or not entry.get("id"):
                        continue
                    item_id = str(entry["id"])
                    if item_id not in self.own_writes:
                        return None
                    wrote = self.own_writes[item_id]
                    if "@removed" in entry:
                        if wrote is not None:
                            return None
                    elif wrote is None or str(entry.get("changeKey") or "") != wrote:
                        return None
                    else:
                        versions[item_id] = wrote
                link = str(page.get("@odata.deltaLink") or link)
        return (link, versions) if link else None

    def _markers(self, ids: list[str]) -> dict[str, str | None]:
        if not ids:
            return {}
        if len(ids) > LIST_THRESHOLD:
            return {str(o["id"]): marker_of(o) for o in self._list({"$select": "id"})}
        found = self.fetch(ids, {"$select": "id", "$expand": EXPAND_MARKER})
        return {i: marker_of(o) for i, o in found.items()}

    def _list(self, params: dict[str, str]) -> list[dict[str, Any]]:
        path = f"{self.user_path}/contactFolders/{self.folder_id()}/contacts"
        return self.list_all(path, {**params, "$top": "1000", "$expand": EXPAND_MARKER})

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        if not ids:
            return {}
        folder = self.folder_id()
        found = self.fetch(ids, {"$expand": EXPAND_MARKER})
        return {
            i: _item(o, marker_of(o))
            for i, o in found.items()
            if o.get("parentFolderId") in (None, folder)
        }

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        if not keys:
            return {}
        items = [_item(o, marker_of(o)) for o in self._list({})]
        return self.match(items, keys, lambda it: it.record.match_keys())
