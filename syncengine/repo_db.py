"""The engine's MappingRepo over `mappings.ItemMapping` and `mappings.SyncCursor`.

No row locks: the unique constraints on each side's id and conditional updates keep the
table consistent, and the user's lease keeps a second worker away in the first place.

Inside `batch()` the writes are kept in order and saved together when the scope ends (or at
`flush()`, or every FLUSH_OPS writes): one transaction, one read of the rows they touch, then
bulk deletes, updates and inserts. The executor opens one scope per run and flushes it before
each store batch goes out (pending rows and intents must be saved first) and once the batch's
results are in, so a mapping is still never saved before its item is written, and a crash in
between is what markers and pending rows already cover.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet

from mappings.models import ItemMapping, ItemState, SyncCursor
from syncengine.models import SyncUser
from syncengine.repo_rows import (
    LINKED_STATES,
    STATE_FIELDS,
    VALUE_FIELDS,
    Encoder,
    Ids,
    Rows,
    Values,
    copy_rows,
    delete_rows,
    fingerprint,
    ids_of,
    quoted,
    stamp,
    state_of,
    update_rows,
)
from syncengine.state import MappingState
from syncengine.stores.base import Kind, Side

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")
# Ids per IN (...) lookup: far below SQLite's and PostgreSQL's limits on query parameters.
CHUNK = 500
# Writes a batch() scope holds at most before it saves them (its memory stays bounded).
FLUSH_OPS = 2000


# A buffered write: the ids of the row, and the values an upsert stores (None: a remove).
Op = tuple[Ids, Values | None]


class DbMappingRepo:
    def __init__(self, sync_user: SyncUser, kind: Kind) -> None:
        self.sync_user = sync_user
        self.kind = kind
        # Both ids of every link this repo removed: a delete that landed (or a pair forgotten
        # because both sides are gone) is an item that synced, as far as its issues go.
        self.removed: set[str] = set()
        # The writes of the open batch() scope, in order.
        self._buffer: list[Op] | None = None
        self._encode: Encoder | None = None
        # What load() read, by ids, and the ids written or removed since: an upsert of a row
        # exactly as loaded is skipped.
        self._loaded: dict[Ids, int] = {}
        self._touched: set[str | None] = set()
        # Every id a row may hold (those loaded, and those saved since); None before load().
        self._stored: set[str] | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Saves the scope's upserts and removes together when it ends, or none of them when it
        ends with an exception. A scope inside an open one joins it."""
        if self._buffer is not None:
            yield
            return
        self._buffer = []
        try:
            yield
            ops = self._buffer
        finally:
            self._buffer = None
        if ops:
            self._flush(ops)

    def flush(self) -> None:
        """Saves the writes the open scope holds so far; the scope stays open."""
        if self._buffer:
            ops, self._buffer = self._buffer, []
            self._flush(ops)

    def _write(self, op: Op) -> None:
        if self._buffer is None:
            self._flush([op])
            return
        self._buffer.append(op)
        if len(self._buffer) >= FLUSH_OPS:
            self.flush()  # bounds the memory a long scope holds

    def _flush(self, ops: list[Op]) -> None:
        try:
            self._save(ops, self._stored)
        except IntegrityError:
            # Someone else wrote one of these rows meanwhile (the lease should prevent it): the
            # writes one by one, each reading the rows its ids are in, settle it.
            for op in ops:
                try:
                    self._save([op], None)
                except IntegrityError:
                    self._save([op], None)  # inserted by someone else meanwhile: now updated
        self._remember_stored(ops)

    def _save(self, ops: list[Op], stored: set[str] | None) -> None:
        """Saves `ops` in one transaction: reads the rows their ids are in (after load(), an id
        in `stored` only: an initial sync's new items cost no look-up), then changes them."""
        wanted: tuple[set[str], set[str]] = (set(), set())
        for (sf_id, mb_id), _values in ops:
            if sf_id and (stored is None or sf_id in stored):
                wanted[0].add(sf_id)
            if mb_id and (stored is None or mb_id in stored):
                wanted[1].add(mb_id)
        with transaction.atomic():
            rows = Rows(self._holding(wanted))
            for ids, values in ops:
                if values is None:
                    rows.remove(ids)
                else:
                    rows.upsert(ids, values)
            self._save_rows(rows)
        self.removed |= rows.removed

    def _remember_stored(self, ops: list[Op]) -> None:
        if self._stored is not None:
            self._stored.update(i for ids, values in ops if values is not None for i in ids if i)

    def _holding(
        self, wanted: tuple[set[str], set[str]]
    ) -> list[tuple[int, str | None, str | None]]:
        """(pk, ids) of the rows holding any of these ids, read in chunks that stay under the
        database's limit on query parameters."""
        found: dict[int, tuple[int, str | None, str | None]] = {}
        table = quoted(ItemMapping._meta.db_table)
        with connection.cursor() as cursor:
            for field, ids in zip(("salesforce_id", "mailbox_id"), wanted, strict=True):
                ordered = sorted(ids)
                for start in range(0, len(ordered), CHUNK):
                    chunk = ordered[start : start + CHUNK]
                    # Plain SQL: the ORM takes longer to build an IN of 500 than to run it.
                    cursor.execute(
                        f"SELECT id, salesforce_id, mailbox_id FROM {table} "
                        f"WHERE sync_user_id = %s AND kind = %s AND {quoted(field)} IN "
                        f"({', '.join(['%s'] * len(chunk))})",
                        [self.sync_user.pk, self.kind, *chunk],
                    )
                    for pk, sf_id, mb_id in cursor.fetchall():
                        found[pk] = (pk, sf_id, mb_id)
        return list(found.values())

    def _save_rows(self, rows: Rows) -> None:
        table = ItemMapping._meta.db_table
        delete_rows(table, rows.deleted, CHUNK)
        # Plain statements: the ORM's bulk_update (a CASE per field) and bulk_create cost more
        # CPU than the writes themselves.
        now = stamp()
        changed, filled = [], []
        for row, values in rows.changed():
            if row.filled:
                filled.append((*row.ids, *values, now, row.pk))
            else:
                changed.append((*values, now, row.pk))
        if changed:
            update_rows(table, VALUE_FIELDS, changed)
        if filled:
            update_rows(table, ["salesforce_id", "mailbox_id", *VALUE_FIELDS], filled)
        keys = (self.sync_user.pk, self.kind)
        new = [(*keys, *row.ids, *values, now, now) for row, values in rows.inserted()]
        if new:
            names = ["sync_user_id", "kind", "salesforce_id", "mailbox_id"]
            copy_rows(table, [*names, *VALUE_FIELDS, "created_at"], new)  # created = updated

    def _mappings(self) -> QuerySet[ItemMapping]:
        return ItemMapping.objects.filter(sync_user=self.sync_user, kind=self.kind)

    def _cursors(self) -> QuerySet[SyncCursor]:
        return SyncCursor.objects.filter(sync_user=self.sync_user, kind=self.kind)

    def load(self) -> list[MappingState]:
        """Every mapping of the user and kind (a run with a full listing needs them all)."""
        rows = self._mappings().values_list(*STATE_FIELDS)
        return self._remember(self._timed([state_of(row) for row in rows]), complete=True)

    def load_for(self, ids: Mapping[Side, Collection[str]]) -> list[MappingState]:
        """The mappings holding any of these ids on that side, read in chunks."""
        found: dict[int, tuple[Any, ...]] = {}
        table = quoted(ItemMapping._meta.db_table)
        columns = ", ".join(quoted(c) for c in STATE_FIELDS)
        with connection.cursor() as cursor:
            for side, wanted in ids.items():
                ordered = sorted(i for i in wanted if i)
                for start in range(0, len(ordered), CHUNK):
                    chunk = ordered[start : start + CHUNK]
                    cursor.execute(
                        f"SELECT {columns} FROM {table} WHERE sync_user_id = %s AND kind = %s "
                        f"AND {quoted(side + '_id')} IN ({', '.join(['%s'] * len(chunk))})",
                        [self.sync_user.pk, self.kind, *chunk],
                    )
                    for row in cursor.fetchall():
                        found[row[0]] = row
        return self._remember([state_of(row, decode=True) for row in found.values()])

    def load_unsettled(self) -> list[MappingState]:
        linked = Q(state__in=LINKED_STATES) & (Q(salesforce_version="") | Q(mailbox_version=""))
        rows = self._mappings().filter(Q(state=ItemState.PENDING) | linked)
        loaded = [state_of(row) for row in rows.values_list(*STATE_FIELDS)]
        return self._remember(self._timed(loaded))

    def _timed(self, loaded: list[MappingState]) -> list[MappingState]:
        """Gives the pending rows among `loaded` the moment they were last saved (`since`, row
        U5f). A separate read: pending rows are few, and every other row would only carry a date
        it does not use."""
        pending = {m.seq: m for m in loaded if m.status == ItemState.PENDING}
        keys = sorted(pending)
        for start in range(0, len(keys), CHUNK):
            rows = self._mappings().filter(pk__in=keys[start : start + CHUNK])
            for pk, updated in rows.values_list("pk", "updated_at"):
                pending[pk].since = updated
        return loaded

    def count_linked(self) -> int:
        return self._mappings().filter(state__in=LINKED_STATES).count()

    def _remember(self, loaded: list[MappingState], complete: bool = False) -> list[MappingState]:
        """Notes what was read, so that writing a row back unchanged is skipped. Only after a
        complete load is an id in no loaded row known to be in no row at all."""
        if complete:
            self._loaded = {}
            self._touched = set()
        self._loaded.update((ids_of(m), fingerprint(m)) for m in loaded)
        self._stored = {i for key in self._loaded for i in key if i} if complete else None
        return loaded

    def upsert(self, mapping: MappingState) -> None:
        ids = ids_of(mapping)
        loaded = self._loaded.get(ids)
        if (
            loaded is not None
            and not (set(ids) & self._touched)
            and loaded == fingerprint(mapping)
            and mapping.status != ItemState.PENDING
        ):
            # The row is as loaded and nothing since moved either id: writing it again would
            # change nothing (a run that re-reads unchanged items writes nothing). A pending row
            # saved again is a create going out again: its updated_at tells when (row U5f).
            return
        sf_id, mb_id = ids
        if sf_id:
            self._touched.add(sf_id)
        if mb_id:
            self._touched.add(mb_id)
        if self._encode is None:
            self._encode = Encoder()
        self._write((ids, self._encode(mapping)))

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None:
        self._touched.update(i for i in (salesforce_id, mailbox_id) if i)
        self._write(((salesforce_id or None, mailbox_id or None), None))

    def mark_failed(self, item_ids: list[str]) -> int:
        """Flags the linked pairs whose last change failed (shown in the admin). Issues name the
        target item of an update or delete but the source item of a create, so either side's id
        may match. Pending and detached rows keep their state: it is what the engine reads."""
        ids = [i for i in item_ids if i]
        self._touched.update(ids)
        match = Q(salesforce_id__in=ids) | Q(mailbox_id__in=ids)
        linked = self._mappings().filter(match, state=ItemState.SYNCED)
        return linked.update(state=ItemState.ERROR)

    def synced_since(self, moment: datetime) -> set[str]:
        """Both ids of every mapping written successfully at or after `moment`, and of every link
        removed by this repo (a delete that landed)."""
        rows = self._mappings().filter(updated_at__gte=moment, state=ItemState.SYNCED)
        ids = {i for pair in rows.values_list("salesforce_id", "mailbox_id") for i in pair if i}
        return ids | self.removed

    def confirm_versions(self, side: Side, versions: Mapping[str, str]) -> None:
        """Records `side`'s version of linked items whose version there is unknown: lsync's own
        creates, once a change feed read after them reported them as written (engine.py). One
        UPDATE per chunk, not a statement per row."""
        self.flush()
        self._touched.update(versions)
        table, id_column = quoted(ItemMapping._meta.db_table), quoted(f"{side}_id")
        version_column = quoted(f"{side}_version")
        pairs = sorted(versions.items())
        size = CHUNK // 3
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(pairs), size):
                chunk = pairs[start : start + size]
                cases = " ".join(["WHEN %s THEN %s"] * len(chunk))
                marks = ", ".join(["%s"] * len(chunk))
                states = ", ".join(["%s"] * len(LINKED_STATES))
                cursor.execute(
                    f"UPDATE {table} SET {version_column} = CASE {id_column} {cases} END "
                    f"WHERE sync_user_id = %s AND kind = %s AND {version_column} = '' "
                    f"AND state IN ({states}) AND {id_column} IN ({marks})",
                    [
                        *(v for pair in chunk for v in pair),
                        self.sync_user.pk,
                        self.kind,
                        *LINKED_STATES,
                        *(item_id for item_id, _version in chunk),
                    ],
                )

    def get_cursor(self, side: Side) -> str | None:
        value = self._cursors().filter(side=side).values_list("value", flat=True).first()
        return value or None

    def save_cursors(self, cursors: dict[Side, str | None]) -> None:
        with transaction.atomic():
            for side, value in cursors.items():
                if value is None:
                    self._cursors().filter(side=side).delete()
                    continue
                if self._cursors().filter(side=side).update(value=value):
                    continue
                try:
                    with transaction.atomic():
                        SyncCursor.objects.create(
                            sync_user=self.sync_user, kind=self.kind, side=side, value=value
                        )
                except IntegrityError:
                    self._cursors().filter(side=side).update(value=value)

    def reset(self) -> None:
        """Forgets every link and cursor: the next run lists both sides and matches again."""
        self._loaded.clear()
        self._stored = None
        self._mappings().delete()
        self._cursors().delete()
