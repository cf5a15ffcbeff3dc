"""What the address book and calendar stores share: one DAV collection of resources.

- `changes`: a full listing is the collection's sync token (PROPFIND) read first, then every
  resource; an incremental one is a sync-collection REPORT (RFC 6578) from the token, then a
  multiget of what changed. A server without sync tokens gets its CalendarServer ctag as the
  cursor instead: unchanged ctag, nothing changed; moved ctag, a full listing.
- `apply`: one PUT or DELETE per op (WebDAV has no batch), with If-Match on the etag, so an edit
  made meanwhile in another client is refused (412) instead of overwritten.
- Ids are the resources' decoded paths; versions are their etags.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from connections.providers.caldav import webdav
from connections.providers.caldav.client import DavClient
from connections.providers.caldav.errors import translated
from syncengine.records import Contact, Event, merge_fields
from syncengine.stores.base import (
    ChangePage,
    Create,
    Item,
    Kind,
    MatchKey,
    NotFound,
    Op,
    OpResult,
    ProviderError,
    Rejected,
    Side,
    Update,
    VersionMismatch,
)

Record = Contact | Event
CTAG_PREFIX = "ctag:"
MULTIGET_CHUNK = 100
# Errors about one resource; any other error (sign-in, throttling) stops the batch.
ITEM_ERRORS = (NotFound, VersionMismatch, Rejected)


class DavCollectionStore:
    side: Side = "mailbox"
    kind: Kind
    max_batch = 1
    suffix: str
    content_type: str

    def __init__(self, client: DavClient, collection: str) -> None:
        self.client = client
        self.collection = collection if collection.endswith("/") else collection + "/"

    @property
    def api_calls(self) -> int:
        return self.client.calls  # every request counts: WebDAV has no batch

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.client.calls = value

    # ---------------------------------------------------------------- what the kinds provide

    def read(self, text: str) -> tuple[Record, str | None]:
        raise NotImplementedError

    def write(self, record: Record, uid: str, marker: str | None, existing: str | None) -> str:
        raise NotImplementedError

    def list_all(self) -> list[Item]:
        """Every resource of the collection the store syncs (the calendar: those in its window)."""
        return self.multiget(self.member_paths())

    def keep(self, record: Record) -> bool:
        """Whether an item reported changed belongs to what the store syncs."""
        return True

    # ---------------------------------------------------------------- reading

    def member_paths(self) -> list[str]:
        with translated():
            listing = self.client.propfind(self.collection, [webdav.GETETAG], depth=1)
        return [
            r.path
            for r in listing.resources
            if r.status == 200 and r.path.rstrip("/") != self.collection.rstrip("/")
        ]

    def item(self, resource: webdav.Resource, data: str) -> Item | None:
        text = resource.text(data)
        if resource.status != 200 or not text:
            return None
        try:
            record, marker = self.read(text)
        except Exception:  # noqa: BLE001 - a resource no parser reads is left out, not fatal
            return None
        return Item(resource.path, resource.text(webdav.GETETAG), record, marker)

    def multiget(self, paths: Sequence[str]) -> list[Item]:
        data = webdav.CALENDAR_DATA if self.kind == "events" else webdav.ADDRESS_DATA
        items: list[Item] = []
        for start in range(0, len(paths), MULTIGET_CHUNK):
            chunk = list(paths[start : start + MULTIGET_CHUNK])
            with translated():
                answer = self.client.report(
                    self.collection, webdav.multiget(self.kind, chunk), depth=1
                )
            items.extend(i for r in answer.resources if (i := self.item(r, data)))
        return items

    def cursor_now(self) -> str | None:
        with translated():
            answer = self.client.propfind(self.collection, [webdav.SYNC_TOKEN, webdav.GETCTAG])
        resource = answer.resources[0] if answer.resources else None
        if resource is None:
            return None
        token = resource.text(webdav.SYNC_TOKEN)
        ctag = resource.text(webdav.GETCTAG)
        return token or (CTAG_PREFIX + ctag if ctag else None)

    def changes(self, cursor: str | None) -> ChangePage:
        if cursor and cursor.startswith(CTAG_PREFIX):
            if self.cursor_now() == cursor:
                return ChangePage([], [], cursor, full=False)
            cursor = None
        if cursor is None:
            # The cursor is read before the listing: a change in between is listed again next time.
            now = self.cursor_now()
            return ChangePage(self.list_all(), [], now, full=True)
        with translated():
            answer = self.client.report(self.collection, webdav.sync_collection(cursor), depth=0)
        deleted = [r.path for r in answer.resources if r.status == 404]
        changed = [r.path for r in answer.resources if r.status == 200]
        items = [i for i in self.multiget(changed) if self.keep(i.record)]
        return ChangePage(items, deleted, answer.sync_token or cursor, full=False)

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        return {item.id: item for item in self.multiget(list(ids))} if ids else {}

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        if not keys:
            return {}
        index: dict[MatchKey, str] = {}
        for item in self.list_all():
            own = [*item.record.match_keys(), *([("marker", item.marker)] if item.marker else [])]
            for key in own:
                index.setdefault(key, item.id)
        return {key: index[key] for key in keys if key in index}

    # ---------------------------------------------------------------- writing

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        results = []
        for op in ops:
            try:
                results.append(self._apply(op))
            except ITEM_ERRORS as error:
                results.append(OpResult(False, getattr(op, "id", None), error=error))
        return results

    def _apply(self, op: Op) -> OpResult:
        if isinstance(op, Create):
            uid = str(uuid.uuid4())
            path = f"{self.collection}{uid}{self.suffix}"
            text = self.write(op.record, uid, op.marker, None)
            with translated():
                etag = self.client.put(path, text, self.content_type, if_match=None)
            return OpResult(True, path, etag or self._etag(path))
        if isinstance(op, Update):
            return self._update(op)
        with translated():
            self.client.delete(op.id, if_match=op.expected_version)
        return OpResult(True, op.id)

    def _update(self, op: Update) -> OpResult:
        with translated():
            text, etag = self.client.get(op.id)
        if op.expected_version and etag and op.expected_version != etag:
            raise VersionMismatch(f"{op.id} changed on the server since it was read")
        current, marker = self.read(text)
        record = merge_fields(current, op.record, op.fields) if op.fields else op.record
        if not isinstance(record, type(current)):
            raise Rejected(f"{op.id} is not a {self.kind} resource")
        new_text = self.write(record, _uid(op.id, self.suffix), marker, text)
        with translated():
            new_etag = self.client.put(op.id, new_text, self.content_type, if_match=etag or None)
        return OpResult(True, op.id, new_etag or self._etag(op.id))

    def _etag(self, path: str) -> str:
        with translated():
            answer = self.client.propfind(path, [webdav.GETETAG])
        etag = answer.resources[0].text(webdav.GETETAG) if answer.resources else ""
        if not etag:
            raise ProviderError(f"the server gave no etag for {path}", permanent=False)
        return etag


def _uid(path: str, suffix: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name[: -len(suffix)] if name.endswith(suffix) else name
