"""MemoryStore: the reference implementation of the store interface, for both sides and kinds.

Besides the interface it has what tests need to act as the user and as a misbehaving provider:
- `put` / `edit` / `remove` / `rewrite`: out-of-band changes (a user in Outlook or Salesforce, or a
  server rewriting an item without changing it), never counted as API calls;
- `expire_cursors()`: every cursor handed out so far becomes invalid (CursorExpired);
- `throttle(calls, retry_after)`: the next `calls` API calls raise RateLimited, before doing anything;
- `crash_after_write(batches)`: the next `batches` calls to `apply` write the whole batch, then raise
  SimulatedCrash (the process dying between the provider's answer and the mapping write);
- `validator`: a function returning an error message for records the side refuses (Rejected).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from syncengine.records import Contact, Event, merge_fields, take_answers
from syncengine.stores.base import (
    ChangePage,
    Create,
    CursorExpired,
    Delete,
    Invitation,
    Item,
    Kind,
    MatchKey,
    NotFound,
    Op,
    OpResult,
    RateLimited,
    Rejected,
    Side,
    Update,
    VersionMismatch,
)
from syncengine.stores.matching import first_matches

Record = Contact | Event


class SimulatedCrash(Exception):
    """Raised by crash injection: not a ProviderError, so it escapes the engine like a real crash."""


class Clock:
    """A deterministic clock; share one between two stores to compare modification times."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass(frozen=True)
class _Entry:
    record: Record
    version: str
    modified: datetime
    marker: str | None
    seq: int  # position in the change log of its last change


class MemoryStore:
    def __init__(
        self,
        side: Side,
        kind: Kind,
        *,
        max_batch: int = 20,
        clock: Clock | None = None,
        validator: Callable[[Record], str | None] | None = None,
        id_prefix: str | None = None,
    ) -> None:
        self.side: Side = side
        self.kind: Kind = kind
        self.max_batch = max_batch
        self.api_calls = 0
        self.calls: dict[str, int] = {}
        self.clock = clock or Clock()
        self.validator = validator
        self._prefix = id_prefix or ("003" if side == "salesforce" else "AAMk")
        self._items: dict[str, _Entry] = {}
        self._tombs: dict[str, int] = {}  # deleted id -> seq of its deletion
        self._unselected: set[str] = set()  # items the user has not marked (Item.selected)
        self._invitations: dict[str, Invitation] = {}  # copies of meetings the user attends
        self._seq = 0
        self._epoch = 0
        self._ids = itertools.count(1)
        self._versions = itertools.count(1)
        self._throttle = 0
        self._retry_after = 1.0
        self._crash = 0

    # ------------------------------------------------------------------ fault injection

    def expire_cursors(self) -> None:
        self._epoch += 1

    def throttle(self, calls: int = 1, retry_after: float = 1.0) -> None:
        self._throttle += calls
        self._retry_after = retry_after

    def crash_after_write(self, batches: int = 1) -> None:
        self._crash += batches

    def reset_faults(self) -> None:
        """Disarm throttling and crash injection that have not fired yet."""
        self._throttle = 0
        self._crash = 0

    # ------------------------------------------------------------------ out-of-band changes

    def put(
        self,
        record: Record,
        *,
        marker: str | None = None,
        selected: bool = True,
        invitation: Invitation | None = None,
    ) -> str:
        """A user creates an item; returns its id. `selected`: whether the user marked it;
        `invitation`: the item is the user's copy of someone else's meeting."""
        item_id = self._create(record, marker)
        if not selected:
            self._unselected.add(item_id)
        if invitation is not None:
            self._invitations[item_id] = invitation
        return item_id

    def answer(self, item_id: str, response: str) -> None:
        """The user answers the meeting whose copy `item_id` is (a new version, as servers do)."""
        self._invitations[item_id] = replace(self._invitations[item_id], response=response)
        self.rewrite(item_id)

    def select(self, item_id: str, selected: bool = True) -> None:
        """A user sets or removes the mark (an Outlook category, a Google colour): the item
        gets a new version, its content stays."""
        (self._unselected.discard if selected else self._unselected.add)(item_id)
        self.rewrite(item_id)

    def edit(self, item_id: str, record: Record) -> None:
        """A user replaces an item's content."""
        e = self._items[item_id]
        self._write(item_id, record, e.marker)

    def remove(self, item_id: str) -> None:
        """A user deletes an item."""
        self._delete(item_id)

    def rewrite(self, item_id: str) -> None:
        """The server rewrites an item without changing its content (new version)."""
        e = self._items[item_id]
        self._write(item_id, e.record, e.marker)

    def records(self) -> dict[str, Record]:
        return {i: e.record for i, e in self._items.items()}

    def item(self, item_id: str) -> Item:
        return self._as_item(item_id, self._items[item_id])

    def __len__(self) -> int:
        return len(self._items)

    # ------------------------------------------------------------------ the store interface

    def changes(self, cursor: str | None) -> ChangePage:
        self._call("changes")
        if cursor is None:
            items = [self._as_item(i, e) for i, e in sorted(self._items.items())]
            return ChangePage(items, [], self._cursor(), True)
        epoch, _, seq_text = cursor.partition(":")
        if not seq_text.isdigit() or epoch != str(self._epoch):
            raise CursorExpired("the sync cursor has expired")
        seq = int(seq_text)
        changed = [self._as_item(i, e) for i, e in sorted(self._items.items()) if e.seq > seq]
        deleted = sorted(i for i, s in self._tombs.items() if s > seq)
        return ChangePage(changed, deleted, self._cursor(), False)

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        self._call("get")
        return {i: self._as_item(i, self._items[i]) for i in ids if i in self._items}

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        self._call("find")
        return first_matches((self._as_item(i, e) for i, e in self._items.items()), keys)

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if len(ops) > self.max_batch:
            raise ValueError(f"batch of {len(ops)} exceeds max_batch={self.max_batch}")
        self._call("apply")
        results = [self._apply_one(op) for op in ops]
        if self._crash:
            self._crash -= 1
            raise SimulatedCrash("crashed after the batch was written")
        return results

    # ------------------------------------------------------------------ internals

    def _call(self, name: str) -> None:
        if self._throttle:
            self._throttle -= 1
            raise RateLimited("too many requests", retry_after=self._retry_after)
        self.api_calls += 1
        self.calls[name] = self.calls.get(name, 0) + 1

    def _cursor(self) -> str:
        return f"{self._epoch}:{self._seq}"

    def _as_item(self, item_id: str, e: _Entry) -> Item:
        selected = item_id not in self._unselected
        invitation = self._invitations.get(item_id)
        return Item(item_id, e.version, e.record, e.marker, e.modified, selected, invitation)

    def _create(self, record: Record, marker: str | None) -> str:
        item_id = f"{self._prefix}{next(self._ids):06d}"
        self._write(item_id, record, marker)
        return item_id

    def _write(self, item_id: str, record: Record, marker: str | None) -> None:
        self._seq += 1
        version = f"v{next(self._versions)}"
        self._items[item_id] = _Entry(record, version, self.clock.tick(), marker, self._seq)
        self._tombs.pop(item_id, None)

    def _delete(self, item_id: str) -> None:
        del self._items[item_id]
        self._seq += 1
        self._tombs[item_id] = self._seq

    def _apply_one(self, op: Op) -> OpResult:
        if isinstance(op, Create):
            problem = self.validator(op.record) if self.validator else None
            if problem:
                return OpResult(False, error=Rejected(problem))
            item_id = self._create(op.record, op.marker)
            return OpResult(True, item_id, self._items[item_id].version)
        current = self._items.get(op.id)
        if current is None:
            return OpResult(False, op.id, error=NotFound(f"no item {op.id}"))
        if op.expected_version is not None and op.expected_version != current.version:
            return OpResult(False, op.id, error=VersionMismatch(f"{op.id} changed meanwhile"))
        if isinstance(op, Delete):
            self._delete(op.id)
            return OpResult(True, op.id, None)
        assert isinstance(op, Update)
        if op.fields is None:
            record = op.record
            if isinstance(record, Event) and isinstance(current.record, Event):
                record = replace(record, organizer=current.record.organizer)
        else:
            record = merge_fields(current.record, op.record, op.fields)
            if self.side == "salesforce" and "attendees" in op.fields:
                record = take_answers(record, op.record)  # as the Salesforce event store does
        problem = self.validator(record) if self.validator else None
        if problem:
            return OpResult(False, op.id, error=Rejected(problem))
        self._write(op.id, record, current.marker)
        return OpResult(True, op.id, self._items[op.id].version)
