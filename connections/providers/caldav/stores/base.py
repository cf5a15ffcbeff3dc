"""What the address book and calendar stores share: one DAV collection of resources.

- `changes`: a full listing is the collection's sync token (PROPFIND) read first, then every
  resource; an incremental one is a sync-collection REPORT (RFC 6578) from the token, then a
  multiget of what changed. A server without sync tokens gets its CalendarServer ctag as the
  cursor instead: unchanged ctag, nothing changed; moved ctag, a full listing.
- `apply`: one PUT or DELETE per op (WebDAV has no batch), with If-Match on the etag, so an edit
  made meanwhile in another client is refused (412) instead of overwritten.
- Ids are the resources' decoded paths; versions are their etags. A calendar resource may hold
  more than one item (a series and its moved occurrences, `path#20260506T090000Z`): the cursor
  carries which occurrences each such resource had, so one that goes is reported deleted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

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
from syncengine.stores.occurrences import Known, vanished

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

    def write(
        self,
        record: Record,
        uid: str,
        marker: str | None,
        existing: str | None,
        occurrence: str | None = None,
    ) -> str:
        raise NotImplementedError

    def items_of(self, path: str, etag: str, text: str) -> list[Item]:
        """The items one resource holds (one, except a series with moved occurrences)."""
        record, marker = self.read(text)
        return [Item(path, etag, record, marker)]

    def remove_occurrence(self, text: str, occurrence: str) -> str:
        raise Rejected("only a calendar's series have occurrences")

    def add_occurrence(self, text: str, start: datetime, record: Record) -> tuple[str, str]:
        """The resource with its occurrence at `start` modified as `record`, and that
        occurrence's key in item ids."""
        raise Rejected("only a calendar's series have occurrences")

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

    def items(self, resource: webdav.Resource, data: str) -> list[Item]:
        text = resource.text(data)
        if resource.status != 200 or not text:
            return []
        try:
            return self.items_of(resource.path, resource.text(webdav.GETETAG), text)
        except Exception:  # noqa: BLE001 - a resource no parser reads is left out, not fatal
            return []

    def multiget(self, ids: Sequence[str]) -> list[Item]:
        data = webdav.CALENDAR_DATA if self.kind == "events" else webdav.ADDRESS_DATA
        paths = list(dict.fromkeys(item_id.partition("#")[0] for item_id in ids))
        items: list[Item] = []
        for start in range(0, len(paths), MULTIGET_CHUNK):
            chunk = paths[start : start + MULTIGET_CHUNK]
            with translated():
                answer = self.client.report(
                    self.collection, webdav.multiget(self.kind, chunk), depth=1
                )
            for resource in answer.resources:
                items.extend(self.items(resource, data))
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
        token, known = split_cursor(cursor)
        if token and token.startswith(CTAG_PREFIX):
            if self.cursor_now() == token:
                return ChangePage([], [], cursor, full=False)
            token = None
        if token is None:
            # The cursor is read before the listing: a change in between is listed again next time.
            now = self.cursor_now()
            items = self.list_all()
            return ChangePage(items, [], join_cursor(now, occurrences(items)), full=True)
        with translated():
            answer = self.client.report(self.collection, webdav.sync_collection(token), depth=0)
        gone = [r.path for r in answer.resources if r.status == 404]
        changed = self.multiget([r.path for r in answer.resources if r.status == 200])
        current = occurrences(changed)
        touched = [*gone, *(i.id.partition("#")[0] for i in changed)]
        deleted = gone + [f"{path}#{key}" for path, key in vanished(known, current, touched)]
        items = [i for i in changed if self.keep(i.record)]
        return ChangePage(
            items, deleted, join_cursor(answer.sync_token or token, known), full=False
        )

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        wanted = set(ids)
        return {i.id: i for i in self.multiget(list(ids)) if i.id in wanted} if ids else {}

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
        if isinstance(op, Create) and op.occurrence is not None:
            # Never a second meeting: written into its series' resource (docs/series.md).
            path = op.occurrence.series
            text, etag = self._read(path, None)
            new_text, key = self.add_occurrence(text, op.occurrence.start, op.record)
            return OpResult(True, f"{path}#{key}", self._put(path, new_text, etag))
        if isinstance(op, Create):
            uid = str(uuid.uuid4())
            path = f"{self.collection}{uid}{self.suffix}"
            text = self.write(op.record, uid, op.marker, None)
            with translated():
                etag = self.client.put(path, text, self.content_type, if_match=None)
            return OpResult(True, path, etag or self._etag(path))
        if isinstance(op, Update):
            return self._update(op)
        path, _, occurrence = op.id.partition("#")
        if not occurrence:
            with translated():
                self.client.delete(path, if_match=op.expected_version)
            return OpResult(True, op.id)
        text, etag = self._read(path, op.expected_version)
        try:
            new_text = self.remove_occurrence(text, occurrence)
        except KeyError as exc:
            raise NotFound(f"{op.id} is no longer on the server") from exc
        return OpResult(True, op.id, self._put(path, new_text, etag))

    def _read(self, path: str, expected: str | None) -> tuple[str, str]:
        with translated():
            text, etag = self.client.get(path)
        if expected and etag and expected != etag:
            raise VersionMismatch(f"{path} changed on the server since it was read")
        return text, etag

    def _put(self, path: str, text: str, etag: str) -> str:
        with translated():
            new_etag = self.client.put(path, text, self.content_type, if_match=etag or None)
        return new_etag or self._etag(path)

    def _update(self, op: Update) -> OpResult:
        path, _, occurrence = op.id.partition("#")
        text, etag = self._read(path, op.expected_version)
        current = next((i for i in self.items_of(path, etag, text) if i.id == op.id), None)
        if current is None:
            raise NotFound(f"{op.id} is no longer on the server")
        record = merge_fields(current.record, op.record, op.fields) if op.fields else op.record
        if not isinstance(record, type(current.record)):
            raise Rejected(f"{op.id} is not a {self.kind} resource")
        uid = _uid(path, self.suffix)
        new_text = self.write(record, uid, current.marker, text, occurrence or None)
        return OpResult(True, op.id, self._put(path, new_text, etag))

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


def occurrences(items: Iterable[Item]) -> Known:
    """Resource path -> the keys of the moved occurrences it holds (only where it holds some)."""
    found: Known = {}
    for item in items:
        path, _, key = item.id.partition("#")
        if key:
            found.setdefault(path, []).append(key)
    return found


def join_cursor(token: str | None, known: dict[str, list[str]]) -> str | None:
    if token is None or not known:
        return token
    return token + "\n" + json.dumps(known, sort_keys=True, separators=(",", ":"))


def split_cursor(cursor: str | None) -> tuple[str | None, dict[str, list[str]]]:
    if not cursor:
        return None, {}
    token, _, known = cursor.partition("\n")
    try:
        value = json.loads(known) if known else {}
    except ValueError:
        value = {}
    return token, value if isinstance(value, dict) else {}
