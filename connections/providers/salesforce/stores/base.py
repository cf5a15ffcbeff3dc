"""What the Salesforce contact and event stores share: reads with a timestamp cursor, and writes
through sObject Collections.

Versions: an item's version is a hash of the record as Salesforce holds it, not its
SystemModstamp (which becomes `Item.modified`). SystemModstamp has one-second resolution, so two
writes in one second would share it; and a hash lets `apply` return the version of what it wrote
without reading it back. That is also how our own writes are skipped on the next read: every write
carries ``Sforce-Call-Options: client=lsync``, and when the record read back hashes to the version
we returned, the engine sees an unchanged version and does nothing. A genuine edit by the user,
even within the same second, changes the content and so the version. (LastModifiedById cannot
tell us apart: the user's own edits carry the same id as our writes under their JWT session.)

Cursor: ``<ISO UTC second>|<delete log start>|<id>=<fingerprint or ->,...``. Incremental reads
ask for rows with SystemModstamp >= that second; the ids after ``|`` were already reported at
exactly that second and are dropped unless the row moved (delta.py). The second trails the clock
by `SKEW` at most, so a write stamped by a slightly late Salesforce clock is never missed
(re-reporting is harmless). Every incremental read is one composite API call (delta.py) that
also asks ``sobjects/X/deleted`` for the delete log's earliestDateAvailable and keeps it in the
cursor; when the log no longer covers the cursor (15 days, or a purge since the cursor was
made), CursorExpired makes the engine list everything again.
Deletions themselves come from queryAll (IsDeleted), which also sees the current minute; records
that left the scope (filters, ownership) are reported as deleted too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from connections.providers.salesforce import errors
from connections.providers.salesforce.client import SalesforceClient, SalesforceError
from connections.providers.salesforce.convert import parse_datetime
from connections.providers.salesforce.cursor import Cursor
from connections.providers.salesforce.soql import quote
from connections.providers.salesforce.stores import delta
from syncengine.records import Contact, Event, merge_fields, value_hash
from syncengine.stores.base import (
    ChangePage,
    Create,
    CursorExpired,
    Delete,
    Item,
    Kind,
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
T = TypeVar("T")
SKEW = timedelta(minutes=5)
DELETE_LOG = timedelta(days=15) - timedelta(minutes=5)
ID_CHUNK = 200


@dataclass(frozen=True)
class Written:
    """A record just written: its id, what was written, whether it was created, and the record
    fields an update named (None: all)."""

    id: str
    record: Contact | Event
    created: bool
    fields: frozenset[str] | None


def chunks(values: Sequence[T], size: int = ID_CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SalesforceStore:
    side: Side = "salesforce"
    kind: Kind
    sobject: str
    max_batch = 200

    def __init__(self, client: SalesforceClient, user_id: str) -> None:
        self.client = client
        self.user_id = user_id
        # (item id or create ref, what could not be resolved): see adapters.py.
        self.unresolved: list[tuple[str, str]] = []

    # --- what the subclasses provide ---------------------------------------------------------
    def select(self) -> list[str]:
        raise NotImplementedError

    def scope(self) -> list[str]:
        """SOQL conditions (ANDed) for the records this user syncs."""
        raise NotImplementedError

    def base_scope(self) -> list[str]:
        """The part of the scope a record cannot leave by being edited (events: the owner)."""
        return []

    def items(
        self, rows: list[dict[str, Any]], touched: Sequence[dict[str, Any]] = ()
    ) -> list[Item]:
        """The items of `rows` (events: rows may stand for no item, or bring their series;
        `touched` are the rows an incremental read saw change, deleted ones included)."""
        raise NotImplementedError

    def touched_fields(self) -> list[str]:
        """Fields the incremental read also asks of every touched row (deleted ones too)."""
        return []

    def body(self, record: Record, names: frozenset[str] | None) -> dict[str, Any]:
        raise NotImplementedError

    def canonical(self, record: Record) -> Record:
        raise NotImplementedError

    def prepare(self, ops: Sequence[Op]) -> None:
        """Lookups a batch needs before writing (one call per kind of lookup)."""

    def after_write(self, written: list[Written]) -> None:
        """Related rows to write once records exist."""

    def merge(self, current: Record, source: Record, fields: frozenset[str]) -> Record:
        """What an update of `fields` from `source` makes of the current record."""
        return merge_fields(current, source, fields)

    def create_fields(self, op: Create) -> dict[str, Any]:
        """Fields a create sets beyond the record's own (found by `prepare`)."""
        return {}

    # --- plumbing ----------------------------------------------------------------------------
    @property
    def api_calls(self) -> int:
        return self.client.api_calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.client.api_calls = value

    @property
    def limit_info(self) -> str:
        return self.client.limit_info

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except SalesforceError as exc:
            raise errors.translate(exc, self.client.username, self.client.login_url) from exc

    def query(self, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        return self.call(lambda: list(self.client.query(soql, include_deleted)))

    def soql(self, fields: Iterable[str], conditions: Iterable[str], order: str = "") -> str:
        where = " AND ".join(f"({c})" for c in conditions if c)
        text = f"SELECT {', '.join(fields)} FROM {self.sobject}"
        return text + (f" WHERE {where}" if where else "") + (f" ORDER BY {order}" if order else "")

    def version(self, record: Record) -> str:
        if isinstance(record, Event) and record.recurrence is None:
            # A single event's zone is not stored in Salesforce (it is the owner's, see
            # event_store.py), so it is no part of what the version tells apart.
            record = replace(record, time_zone="")
        return value_hash(record)

    def item(self, row: dict[str, Any], record: Record) -> Item:
        stamp = row.get("SystemModstamp")
        modified = parse_datetime(stamp) if stamp else None
        made = row.get("CreatedDate")
        created = parse_datetime(made) if made else None
        return Item(row["Id"], self.version(record), record, None, modified, created=created)

    # --- reading -----------------------------------------------------------------------------
    def changes(self, cursor: str | None) -> ChangePage:
        now = datetime.now(UTC).replace(microsecond=0)
        if cursor is None:
            covered: datetime | None = None
            try:
                earliest, covered = self.delete_log(now.replace(second=0), now)
            except CursorExpired:
                # Salesforce's clock runs ahead of ours and its log was just purged: nothing
                # before this listing matters, so the log may start now.
                earliest = now
            rows = self.query(self.soql(self.select(), self.scope(), "Id"))
            items = self.items(rows)
            # The log was asked before the listing: what it covers, the listing holds.
            at = max([now - SKEW, *_given(covered), *(_stamp(r) for r in rows)])
            seen = {r["Id"]: delta.fingerprint(r) for r in rows if _stamp(r) == at}
            return ChangePage(items, [], Cursor(at, earliest, seen).encode(), True)
        old = Cursor.decode(cursor)
        if now - old.at > DELETE_LOG:
            raise CursorExpired("the last Salesforce sync is older than its 15-day delete log")
        # Deletions before the log's start when the cursor was made were purged before that
        # listing, which did not include those records: they need not be covered.
        log_start = max(old.at.replace(second=0), old.earliest)
        touched, rows, earliest, covered = delta.read_since(self, old.at, log_start, now)
        if earliest > old.earliest and earliest >= old.at.replace(second=0):
            raise CursorExpired("Salesforce purged its delete log since the last sync")
        prints = {r["Id"]: delta.fingerprint(r) for r in rows}
        listed = {r["Id"] for r in rows}
        unchanged = {rid for rid, mark in prints.items() if old.seen.get(rid) == mark}
        # A row read again as it was (in scope, or gone as reported) is dropped here.
        moved = [
            r
            for r in touched
            if r["Id"] not in unchanged and (r["Id"] in listed or old.seen.get(r["Id"]) != "-")
        ]
        items = self.items([r for r in rows if r["Id"] not in unchanged], moved)
        # A row in scope is no deletion even when it stands for no item (an event's occurrence).
        in_scope = {it.id for it in items} | listed
        deleted = sorted(r["Id"] for r in moved if r["Id"] not in in_scope)
        at = max([old.at, now - SKEW, *_given(covered), *(_stamp(r) for r in touched)])
        seen = {r["Id"]: "-" for r in touched if _stamp(r) == at and r["Id"] not in in_scope}
        seen.update({r["Id"]: prints[r["Id"]] for r in rows if _stamp(r) == at})
        return ChangePage(items, deleted, Cursor(at, earliest, seen).encode(), False)

    def delete_log(self, start: datetime, now: datetime) -> tuple[datetime, datetime | None]:
        """The delete log's earliestDateAvailable and latestDateCovered; CursorExpired when it
        starts after `start`."""
        answer = self.call(
            self.client.get, f"sobjects/{self.sobject}/deleted/", delta.log_window(start, now)
        )
        return delta.log_marks(answer)

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        out: dict[str, Item] = {}
        for part in chunks(list(dict.fromkeys(ids))):
            condition = f"Id IN ({', '.join(quote(i) for i in part)})"
            for it in self.items(self.query(self.soql(self.select(), [condition]))):
                out[it.id] = it
        return out

    def deleted_items(self, ids: Sequence[str]) -> dict[str, Item]:
        """Deleted records among `ids`, as they were (queryAll reads the recycle bin): what
        syncengine/recovery.py compares with what a lost create wrote (row U5d)."""
        out: dict[str, Item] = {}
        for part in chunks(list(dict.fromkeys(ids))):
            condition = f"Id IN ({', '.join(quote(i) for i in part)})"
            rows = self.query(self.soql(self.select(), [condition]), include_deleted=True)
            for it in self.items(rows):
                out[it.id] = it
        return out

    # --- writing -----------------------------------------------------------------------------
    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if len(ops) > self.max_batch:
            raise ValueError(f"batch of {len(ops)} exceeds max_batch={self.max_batch}")
        results: list[OpResult | None] = [None] * len(ops)
        needs_current = [
            op.id
            for op in ops
            if isinstance(op, Update | Delete)
            and (op.expected_version is not None or getattr(op, "fields", None) is not None)
        ]
        current = self.get(needs_current) if needs_current else {}
        records: dict[int, Record] = {}
        for index, op in enumerate(ops):
            if isinstance(op, Create):
                records[index] = op.record
                continue
            now = current.get(op.id)
            if op.id in needs_current and now is None:
                results[index] = OpResult(False, op.id, error=NotFound(f"{op.id} does not exist"))
            elif now is not None and op.expected_version not in (None, now.version):
                results[index] = OpResult(
                    False, op.id, error=VersionMismatch(f"{op.id} changed in Salesforce meanwhile")
                )
            elif isinstance(op, Update):
                merged = op.record
                if op.fields is not None and now is not None:
                    merged = self.merge(now.record, op.record, op.fields)
                records[index] = merged
        pending = [op for i, op in enumerate(ops) if results[i] is None]
        self.prepare(pending)
        self.write_group(ops, results, Create)
        self.write_group(ops, results, Update)
        self.write_group(ops, results, Delete)
        written = [
            Written(r.id, records[i], isinstance(ops[i], Create), getattr(ops[i], "fields", None))
            for i, r in enumerate(results)
            if r is not None and r.ok and r.id and i in records
        ]
        self.after_write(written)
        final: list[OpResult] = []
        for index, result in enumerate(results):
            assert result is not None
            if result.ok and index in records:
                result = OpResult(True, result.id, self.version(self.canonical(records[index])))
            final.append(result)
        return final

    def write_group(self, ops: Sequence[Op], results: list[OpResult | None], kind: type) -> None:
        group: list[tuple[int, dict[str, Any] | str]] = []
        for index, op in enumerate(ops):
            if results[index] is not None or not isinstance(op, kind):
                continue
            if isinstance(op, Delete):
                group.append((index, op.id))
                continue
            assert isinstance(op, Create | Update)
            try:
                body = self.body(op.record, op.fields if isinstance(op, Update) else None)
            except ValueError as exc:
                results[index] = OpResult(False, getattr(op, "id", None), error=Rejected(str(exc)))
                continue
            if isinstance(op, Update) and not body:
                # Only related rows change (an event's invitees): nothing to write on the record.
                results[index] = OpResult(True, op.id)
                continue
            body["attributes"] = {"type": self.sobject}
            if isinstance(op, Update):
                body["id"] = op.id
            else:
                body.update(self.create_fields(op))
            group.append((index, body))
        if not group:
            return
        try:
            if kind is Delete:
                ids = ",".join(str(payload) for _, payload in group)
                answer = self.client.write(
                    "DELETE", "composite/sobjects", params={"ids": ids, "allOrNone": "false"}
                )
            else:
                method = "POST" if kind is Create else "PATCH"
                records = [payload for _, payload in group]
                answer = self.client.write(
                    method, "composite/sobjects", json={"allOrNone": False, "records": records}
                )
        except SalesforceError as exc:
            error = errors.translate(exc, self.client.username, self.client.login_url)
            if not isinstance(error, Rejected | NotFound):
                raise error from exc
            for index, _ in group:
                results[index] = OpResult(False, getattr(ops[index], "id", None), error=error)
            return
        for (index, _), outcome in zip(group, answer or [], strict=False):
            op_id = getattr(ops[index], "id", None)
            if outcome.get("success"):
                results[index] = OpResult(True, outcome.get("id") or op_id, None)
            else:
                results[index] = OpResult(False, op_id, error=errors.from_result(outcome))
        for index, _ in group:
            if results[index] is None:
                missing = ProviderError("Salesforce returned no result for this record")
                results[index] = OpResult(False, getattr(ops[index], "id", None), error=missing)


def _stamp(row: dict[str, Any]) -> datetime:
    return parse_datetime(row["SystemModstamp"]).replace(microsecond=0)


def _given(moment: datetime | None) -> list[datetime]:
    return [] if moment is None else [moment]
