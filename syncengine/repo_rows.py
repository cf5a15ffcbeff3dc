"""The rows behind DbMappingRepo's batch() scope: what an upsert stores, the rows a batch
touches as its writes leave them, and the plain statements that save them."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, connections
from django.utils import timezone

from mappings.models import ItemState
from syncengine.state import MappingState, Status
from syncengine.stores.base import Side

# The columns a MappingState is read from, in state_of's order.
STATE_FIELDS = (
    "id",
    "salesforce_id",
    "mailbox_id",
    "salesforce_version",
    "mailbox_version",
    "field_hashes",
    "state",
    "detached_side",
    "intents",
)
LINKED_STATES = [ItemState.SYNCED, ItemState.ERROR]


def _json(value: Any) -> Any:
    # SQLite hands JSON columns back as text; a driver may decode them itself.
    return json.loads(value) if isinstance(value, str | bytes) else value


def interned(hashes: dict[str, Any]) -> dict[str, Any]:
    """A row's hashes with their names and values shared with every other row's (a full
    listing holds every mapping: the same field names and mostly the same few values)."""
    return {
        (sys.intern(k) if isinstance(k, str) else k): (sys.intern(v) if isinstance(v, str) else v)
        for k, v in hashes.items()
    }


def state_of(row: Sequence[Any], decode: bool = False) -> MappingState:
    """The MappingState of a row of STATE_FIELDS; `decode`: its JSON columns are still text (a
    plain SQL read, not the ORM's)."""
    pk, sf_id, mb_id, sf_version, mb_version, hashes, state, gone, notes = row
    if decode:
        hashes, notes = _json(hashes), _json(notes)
    return MappingState(
        sf_id or "",
        mb_id or "",
        sf_version,
        mb_version,
        interned(hashes or {}),
        status=cast(Status, state),
        gone=cast(Side, gone) if gone else None,
        intents={side: dict(n) for side, n in (notes or {}).items()},
        seq=pk,
    )


Ids = tuple[str | None, str | None]
VALUE_FIELDS = [
    "salesforce_version",
    "mailbox_version",
    "field_hashes",
    "state",
    "detached_side",
    "intents",
    "updated_at",
]


# Rows per multi-row INSERT or UPDATE: far below SQLite's 32,766 parameters for a dozen columns.
ROWS_PER_INSERT = 500


def quoted(name: str) -> str:
    return str(connection.ops.quote_name(name))


def update_rows(table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE table SET columns WHERE id = the last value of each row. SQLite: one statement
    run once per row (executemany; in process, no round trips to save). Elsewhere a few hundred
    rows per statement (UPDATE ... FROM (VALUES ...)): psycopg's executemany costs PostgreSQL a
    statement per row, each with its parameters bound on the client."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            setting = ", ".join(f"{quote(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {quote(table)} SET {setting} WHERE id = %s", rows)
            return
        setting = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
        names = ", ".join(quote(c) for c in [*columns, "id"])
        one = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        for start in range(0, len(rows), ROWS_PER_INSERT):
            part = rows[start : start + ROWS_PER_INSERT]
            cursor.execute(
                f"UPDATE {quote(table)} SET {setting} FROM (VALUES {', '.join([one] * len(part))})"
                f" AS v ({names}) WHERE {quote(table)}.id = v.id",
                [v for row in part for v in row],
            )


def delete_rows(table: str, pks: Sequence[int], chunk: int) -> None:
    """DELETE by primary key, a chunk at a time: nothing refers to these rows, so the ORM's
    collector would only add its cost."""
    with connection.cursor() as cursor:
        for start in range(0, len(pks), chunk):
            part = pks[start : start + chunk]
            cursor.execute(
                f"DELETE FROM {quoted(table)} WHERE id IN ({', '.join(['%s'] * len(part))})",
                list(part),
            )


def insert_rows(
    table: str, columns: list[str], rows: Sequence[Sequence[Any]], using: str = "default"
) -> None:
    """INSERT INTO table (columns) VALUES (...), (...): a few hundred rows per statement, which
    costs PostgreSQL one round trip where executemany costs one per row."""
    db = connections[using]
    quote = db.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            # In process, no round trips to save: one statement compiled once is cheaper than
            # rewriting thousands of placeholders per multi-row statement.
            cursor.executemany(head + one, rows)
            return
        for start in range(0, len(rows), ROWS_PER_INSERT):
            part = rows[start : start + ROWS_PER_INSERT]
            cursor.execute(head + ", ".join([one] * len(part)), [v for row in part for v in row])


def copy_rows(table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """insert_rows, by COPY on PostgreSQL: half the time of multi-row INSERTs there (no
    parameters bound on the client, no statement to parse), measured on 100-row batches."""
    if connection.vendor != "postgresql":
        insert_rows(table, columns, rows)
        return
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # The driver's own cursor: its errors are made Django's (IntegrityError) here.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)


Values = tuple[Any, ...]


class Encoder:
    """The values of VALUE_FIELDS but updated_at (all of them columns of the same name) of a
    mapping, as the database driver takes them: what Field.get_db_prep_save does, without its
    per-value cost (the connection's operations are looked up once). Taken when the mapping is
    upserted, so the buffer holds a snapshot and never a copy of the mapping: JSON text where
    the driver takes text (SQLite), else an adapter over copies of the dicts (PostgreSQL's
    Jsonb encodes when the statement runs)."""

    def __init__(self) -> None:
        self.json = connection.ops.adapt_json_value
        self.empty = self.json({}, None)  # most rows have no intents
        self.snapshot = isinstance(self.empty, str)

    def __call__(self, m: MappingState) -> Values:
        hashes: dict[str, str] = m.hashes if self.snapshot else dict(m.hashes)
        notes = {side: n if self.snapshot else dict(n) for side, n in m.intents.items() if n}
        return (
            m.salesforce_version,
            m.mailbox_version,
            self.json(hashes, None),
            m.status,
            (m.gone or "") if m.status == "detached" else "",
            self.json(notes, None) if notes else self.empty,
        )


def stamp() -> Any:
    """updated_at for the rows of one flush, as the driver takes it."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def fingerprint(m: MappingState) -> int:
    """What an upsert of `m` would store, as one number (the ids aside)."""
    notes = tuple(sorted((side, tuple(sorted(n.items()))) for side, n in m.intents.items() if n))
    gone = m.gone if m.status == "detached" else None
    return hash(
        (
            m.salesforce_version,
            m.mailbox_version,
            tuple(sorted(m.hashes.items())),
            m.status,
            gone,
            notes,
        )
    )


def ids_of(arg: MappingState | Ids) -> Ids:
    if isinstance(arg, MappingState):
        return (arg.salesforce_id or None, arg.mailbox_id or None)
    return arg


@dataclass
class Row:
    """A row as the buffered writes leave it: `pk` None for one they insert, `values` None for
    one they do not change; `filled`: a saved row whose ids the writes change."""

    pk: int | None
    ids: Ids
    values: Values | None = None
    dropped: bool = False
    filled: bool = False


def _within(held: Ids, ids: Ids) -> bool:
    """Each id a row holds is one of `ids`: a pending row of the link `ids` is written for."""
    return (held[0] is None or held[0] == ids[0]) and (held[1] is None or held[1] == ids[1])


class Rows:
    """The rows a batch touches, indexed on both ids, changed as the buffered writes would."""

    def __init__(self, existing: list[tuple[int, str | None, str | None]]) -> None:
        self.by_id: list[dict[str, Row]] = [{}, {}]
        self.deleted: list[int] = []
        self.new: list[Row] = []
        self.removed: set[str] = set()
        self.existing = [Row(pk, (sf_id, mb_id)) for pk, sf_id, mb_id in existing]
        for row in self.existing:
            self._index(row)

    def _index(self, row: Row) -> None:
        for n, item_id in enumerate(row.ids):
            if item_id:
                self.by_id[n][item_id] = row

    def _drop(self, row: Row) -> None:
        for n, item_id in enumerate(row.ids):
            if item_id and self.by_id[n].get(item_id) is row:
                del self.by_id[n][item_id]
        row.dropped = True
        if row.pk is not None:
            self.deleted.append(row.pk)

    def changed(self) -> list[tuple[Row, Values]]:
        return [(r, r.values) for r in self.existing if r.values is not None and not r.dropped]

    def inserted(self) -> list[tuple[Row, Values]]:
        return [(r, r.values) for r in self.new if r.values is not None and not r.dropped]

    def holding(self, ids: Ids) -> list[Row]:
        sf_id, mb_id = ids
        first = self.by_id[0].get(sf_id) if sf_id else None
        second = self.by_id[1].get(mb_id) if mb_id else None
        if first is None:
            return [] if second is None else [second]
        return [first] if second is None or second is first else [first, second]

    def upsert(self, ids: Ids, values: Values) -> None:
        same = None
        for row in self.holding(ids):
            if same is None and _within(row.ids, ids):
                same = row
            else:
                self._drop(row)  # the link moved: it replaces the old one
        if same is None:
            same = Row(None, ids)
            self.new.append(same)
            self._index(same)
        elif same.ids != ids:
            # A pending row gets the id of the copy just created: one UPDATE of the same row
            # instead of a DELETE and an INSERT.
            same.ids, same.filled = ids, True
            self._index(same)
        same.values = values

    def remove(self, ids: Ids) -> None:
        for row in self.holding(ids):
            self.removed |= {i for i in row.ids if i}
            self._drop(row)
        self.removed |= {i for i in ids if i}
