"""How long an edit took to reach the other side: from the item's modification time on its own
side (SystemModstamp, lastModifiedDateTime, LastModifiedTime, updated) to the moment lsync's
write of it there came back. Pure Python, part of the engine core.

`Watched` wraps a run's store and notes, without an extra call, the modification time of each
item an incremental read reports and when each write returned; `delays` pairs them through the
run's plan. Full listings are left out: a first sync or a re-listing copies items edited long
ago, which says nothing about how fast an edit travels. Deletions carry no modification time and
are left out too. A run keeps at most `PER_RUN` delays per direction (spread over its range), so
a first sync of thousands of items costs no more to store than a quiet hour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from syncengine.planning.actions import Plan, other
from syncengine.stores.base import ChangePage, Delete, Item, MatchKey, Op, OpResult, Side, Store

PER_RUN = 50
DIRECTIONS: dict[Side, str] = {
    "mailbox": "salesforce_to_mailbox",  # written to the mailbox: it came from Salesforce
    "salesforce": "mailbox_to_salesforce",
}


def now() -> datetime:
    """lsync's clock, looked up at each write (a test may move it)."""
    return datetime.now(UTC)


class Watched:
    """A store that remembers modification times and write times; everything else is the
    store's own (optional attributes such as `canonical` or `limit_info` included)."""

    def __init__(self, inner: Store, clock: Callable[[], datetime] | None = None) -> None:
        self.inner = inner
        self.side = inner.side
        self.kind = inner.kind
        self.max_batch = inner.max_batch
        self.clock = clock
        self.modified: dict[str, datetime] = {}
        self.written: dict[int, datetime] = {}  # id(op) -> when its write returned, if it landed

    @property
    def api_calls(self) -> int:
        return self.inner.api_calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.inner.api_calls = value

    def changes(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes(cursor)
        if not page.full:
            self.modified.update({it.id: it.modified for it in page.changed if it.modified})
        return page

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        return self.inner.get(ids)

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        results = self.inner.apply(ops)
        written = (self.clock or now)()
        for op, result in zip(ops, results, strict=False):
            if result.ok:
                self.written[id(op)] = written
        return results

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        return self.inner.find(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def delays(plan: Plan | None, stores: dict[Side, Watched]) -> dict[str, list[int]]:
    """Seconds from each edit to its write on the other side, per direction, whole seconds."""
    out: dict[str, list[int]] = {}
    if plan is None:
        return out
    for action in plan.actions:
        for write in action.writes:
            if isinstance(write.op, Delete):
                continue
            source = other(write.side)
            edited = stores[source].modified.get(action.ids.get(source, ""))
            landed = stores[write.side].written.get(id(write.op))
            if edited is None or landed is None:
                continue
            # A server clock ahead of ours reads as a negative delay: it was at most that fast.
            seconds = max(0, round((landed - edited).total_seconds()))
            out.setdefault(DIRECTIONS[write.side], []).append(seconds)
    return {key: spread(values, PER_RUN) for key, values in out.items()}


def spread(values: list[int], most: int) -> list[int]:
    """At most `most` of `values`, evenly spaced over their sorted order (min and max kept)."""
    ordered = sorted(values)
    if len(ordered) <= most:
        return ordered
    step = (len(ordered) - 1) / (most - 1)
    return [ordered[round(i * step)] for i in range(most)]


def percentile(values: Sequence[int], share: float) -> int | None:
    """The nearest-rank percentile (`share` 0.5 for p50, 0.95 for p95); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))  # ceil(share * n)
    return ordered[min(rank, len(ordered)) - 1]
