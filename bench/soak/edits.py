"""The users' own edits, made through the product's stores (the same APIs a user's client calls)
while no fault is injected, and written down in the ledger."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

from bench.soak.model import COMPARED, FIELDS, SIDES, WHEN, Ledger, Maker, Truth, token_of, values
from syncengine.stores.base import Create, Delete, Item, Kind, Op, OpResult, Side, Store, Update

KINDS: tuple[Kind, ...] = ("contacts", "events")
# Each action's place on the roll of `Editor.one` (create < 0.3 <= delete < 0.4 <= edit on both
# sides < 0.6 <= edit on one side).
ACTIONS = {"create": 0.0, "delete": 0.35, "edit on both sides": 0.5, "edit": 0.8}


def _forget_tokens() -> None:
    from connections.providers.google.client import clear_credentials_cache
    from connections.providers.microsoft import client as graph
    from connections.providers.salesforce.client import clear_token_cache

    for clear in (clear_token_cache, clear_credentials_cache, graph.forget_tokens):
        clear()


def apply(store: Store, op: Op) -> OpResult | None:
    """One write, retried: a revoked token or a throttle left over from the sync phase is not the
    user's problem."""
    result = None
    for _ in range(3):
        try:
            (result,) = store.apply([op])
        except Exception:  # noqa: BLE001 - the soak's own writes; retried, then given up
            _forget_tokens()
            continue
        if result.ok:
            return result
        _forget_tokens()
    return result


def listing(store: Store) -> dict[str, list[Item]]:
    """The side's items by token (items without one are not the soak's)."""
    for attempt in range(3):
        try:
            page = store.changes(None)
            break
        except Exception:  # noqa: BLE001
            _forget_tokens()
            if attempt == 2:
                raise
    out: dict[str, list[Item]] = {}
    for item in page.changed:
        token = token_of(item.record)
        if token:
            out.setdefault(token, []).append(item)
    return out


class Editor:
    def __init__(self, ledger: Ledger, rng: random.Random) -> None:
        self.ledger, self.rng, self.maker = ledger, rng, Maker(rng)

    def stores(self, user: int, kind: Kind) -> dict[Side, Store]:
        from syncengine import registry
        from syncengine.models import SyncUser

        sf, mb = registry.build_stores(SyncUser.objects.get(pk=user), kind)
        return {"salesforce": sf, "mailbox": mb}

    def edit(self, users: Sequence[int], count: int) -> None:
        for _ in range(count):
            user, kind = self.rng.choice(users), self.rng.choice(KINDS)
            try:
                self.one(user, kind)
            except Exception:  # noqa: BLE001 - a listing that failed thrice: skip this edit
                self.ledger.count("edits skipped")

    def one(self, user: int, kind: Kind, action: str | None = None) -> None:
        """A random edit, or the given `action` (one of ACTIONS) on a random item."""
        stores = self.stores(user, kind)
        truth = self.ledger.of(user, kind)
        live = {s: listing(stores[s]) for s in SIDES}
        roll = self.rng.random() if action is None else ACTIONS[action]
        if roll < 0.3 or not truth:
            self.create(stores, truth, self.rng.choice(SIDES), kind)
            return
        side = self.rng.choice(SIDES)
        alive = sorted(
            t for t in truth if not truth[t].deleted_on and len(live[side].get(t, [])) == 1
        )
        if not alive:
            self.create(stores, truth, side, kind)
            return
        token = self.rng.choice(alive)
        if roll < 0.4:
            self.delete(stores[side], truth[token], side, live[side][token][0])
        elif roll < 0.6 and len(live[_other(side)].get(token, [])) == 1:
            # The same item edited on both sides before the next sync.
            names = FIELDS[kind]
            first = self.rng.choice(names)
            second = first if self.rng.random() < 0.3 else self.rng.choice(names)
            self.update(stores[side], truth[token], side, live[side][token][0], first)
            other = _other(side)
            self.update(stores[other], truth[token], other, live[other][token][0], second)
            self.ledger.count("edited on both sides")
        else:
            for name in self.rng.sample(FIELDS[kind], self.rng.randint(1, 2)):
                item = live[side][token][0]
                fresh = stores[side].get([item.id]).get(item.id, item)
                self.update(stores[side], truth[token], side, fresh, name)

    def create(
        self, stores: dict[Side, Store], truth: dict[str, Truth], side: Side, kind: Kind
    ) -> None:
        record = self.maker.new(kind)
        result = apply(stores[side], Create("soak", record))
        token = token_of(record)
        assert token is not None
        if result is not None and result.ok:
            truth[token] = Truth(token, side)
            self.ledger.count("creates")
            self.ledger.note("create", kind, side, token, result.id)

    def update(self, store: Store, truth: Truth, side: Side, item: Item, name: str) -> None:
        record, written = self.maker.edited(item.record, name)
        op = Update(item.id, record, expected_version=None, fields=frozenset(written))
        result = apply(store, op)
        if result is None or not result.ok:
            self.ledger.count("edits refused")
            return
        kind: Kind = store.kind
        after = values(kind, record)
        for f in written & set(COMPARED[kind]) - set(WHEN):
            truth.edits.setdefault(f, {})[side] = after[f]
        if kind == "events" and written & set(WHEN):
            truth.when[side] = tuple(after[f] for f in WHEN)
        truth.edited_at[side] = datetime.now(UTC)
        self.ledger.count("updates")
        self.ledger.note(f"update {','.join(sorted(written))}", kind, side, truth.token, item.id)

    def delete(self, store: Store, truth: Truth, side: Side, item: Item) -> None:
        result = apply(store, Delete(item.id))
        if result is not None and result.ok:
            truth.deleted_on.add(side)
            truth.deleted_at = datetime.now(UTC)
            self.ledger.count("deletes")
            self.ledger.note("delete", store.kind, side, truth.token, item.id)


def _other(side: Side) -> Side:
    return "mailbox" if side == "salesforce" else "salesforce"
