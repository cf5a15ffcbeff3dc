"""The Salesforce change feed's decisions, as pure functions: which sync users a change touches.

One reader per org and kind asks Salesforce what changed since its cursor (a provider's
`FeedReader`); the orchestration (changefeed.py) fans each change out to the sync users whose
scope it can touch, and only those users read Salesforce on their next run. A change touches:

- the record's owner (contacts "mine", events);
- the users an event invites (its EventRelation rows that are users);
- every user that holds a mapping of the record (it left their scope: a new owner, a deletion);
- contacts "all records I can see": the users who can read it, asked of Salesforce in one
  batched visibility check of only the changed records, and only for users not already touched.

Deleted records are never checked for visibility (Salesforce cannot say who could read them);
their mapped users cover them, since a user who never synced a record has nothing to delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from syncengine.stores.base import ChangePage, Item, Kind, MatchKey, Op, OpResult, Store


@dataclass(frozen=True)
class FeedChange:
    record_id: str
    owner_id: str  # "" when Salesforce no longer says (a record purged from the recycle bin)
    deleted: bool = False
    related_user_ids: frozenset[str] = frozenset()  # event invitees that are users


@dataclass(frozen=True)
class FeedPage:
    changes: list[FeedChange]
    cursor: str
    # The reader could not vouch for the time since its cursor (the delete log was purged, the
    # cursor is older than the log): every user of the kind must read Salesforce again.
    expired: bool = False


@dataclass(frozen=True)
class Subscriber:
    sync_user_id: int
    salesforce_user_id: str
    visible: bool = False  # contacts: "all records I can see"


@dataclass
class FanOut:
    """Sync user id -> the changed record ids that touch them."""

    touched: dict[int, set[str]] = field(default_factory=dict)

    def add(self, sync_user_id: int, record_id: str) -> None:
        self.touched.setdefault(sync_user_id, set()).add(record_id)

    @property
    def users(self) -> set[int]:
        return set(self.touched)


class FeedReader(Protocol):
    """What a provider offers for one org and kind; every method may raise ProviderError."""

    kind: Kind
    api_calls: int

    def read(self, cursor: str | None) -> FeedPage: ...

    def usage(self) -> tuple[int, int] | None:
        """The org's API use as the last response reported it: (calls in 24 h, allocation)."""
        ...

    def readable(self, user_ids: Sequence[str], record_ids: Sequence[str]) -> dict[str, set[str]]:
        """Salesforce user id -> those of `record_ids` the user can read."""
        ...


def direct(
    changes: Iterable[FeedChange],
    subscribers: Iterable[Subscriber],
    mapped: Mapping[str, set[int]],
) -> FanOut:
    """The users a change touches without asking Salesforce: owner, invitees, mappings."""
    by_salesforce_id: dict[str, list[int]] = {}
    for sub in subscribers:
        by_salesforce_id.setdefault(sub.salesforce_user_id, []).append(sub.sync_user_id)
    out = FanOut()
    for change in changes:
        people = {change.owner_id, *change.related_user_ids} - {""}
        for person in people:
            for pk in by_salesforce_id.get(person, []):
                out.add(pk, change.record_id)
        for pk in mapped.get(change.record_id, set()):
            out.add(pk, change.record_id)
    return out


def visibility_questions(
    changes: Iterable[FeedChange], subscribers: Iterable[Subscriber], already: FanOut
) -> dict[str, list[str]]:
    """Salesforce user id -> the changed records to ask about: only live records, only for
    "all I can see" users, and not the records that already touch that user."""
    live = [c.record_id for c in changes if not c.deleted]
    questions: dict[str, list[str]] = {}
    for sub in subscribers:
        if not sub.visible:
            continue
        known = already.touched.get(sub.sync_user_id, set())
        wanted = [r for r in live if r not in known]
        if wanted:
            questions[sub.salesforce_user_id] = wanted
    return questions


def add_visible(
    out: FanOut, subscribers: Iterable[Subscriber], readable: Mapping[str, set[str]]
) -> FanOut:
    for sub in subscribers:
        if sub.visible:
            for record_id in readable.get(sub.salesforce_user_id, set()):
                out.add(sub.sync_user_id, record_id)
    return out


def fan_out(
    reader: FeedReader,
    changes: Sequence[FeedChange],
    subscribers: Sequence[Subscriber],
    mapped: Mapping[str, set[int]],
) -> FanOut:
    """Direct touches first, then one batched visibility check of what is left."""
    out = direct(changes, subscribers, mapped)
    questions = visibility_questions(changes, subscribers, out)
    if not questions:
        return out
    records = sorted({r for ids in questions.values() for r in ids})
    readable = reader.readable(sorted(questions), records)
    # The reader answers for all asked records; keep only what each user was asked about.
    kept = {u: readable.get(u, set()) & set(ids) for u, ids in questions.items()}
    return add_visible(out, subscribers, kept)


class Unchanged:
    """The user's Salesforce store while the feed has seen no change of theirs: an incremental
    read reports nothing and keeps the cursor (no API call), so only the mailbox side is read.
    A full listing (no cursor) and every write still go to the real store."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.side = inner.side
        self.kind = inner.kind
        self.max_batch = inner.max_batch

    @property
    def api_calls(self) -> int:
        return self.inner.api_calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.inner.api_calls = value

    def changes(self, cursor: str | None) -> ChangePage:
        if cursor is None:
            return self.inner.changes(None)
        return ChangePage([], [], cursor, False)

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        return self.inner.get(ids)

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        return self.inner.apply(ops)

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        return self.inner.find(keys)

    def __getattr__(self, name: str) -> Any:
        # Optional store attributes (canonical, limit_info, unresolved) come from the real store.
        return getattr(self.inner, name)
