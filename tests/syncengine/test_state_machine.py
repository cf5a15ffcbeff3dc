"""Random edits on both sides, random faults, then sync until quiet (ARCHITECTURE §9).

Every record carries a token (its description, which no rule edits) naming the logical item, and
every edit writes a value never used before, so the checks can follow items and edits across sides:
- the two sides are equal under the mapping and the configuration (out-of-scope pairs excepted);
- every in-scope item is linked exactly once, or is the survivor of a detached pair;
- no token appears twice on a side (no duplicates); no pending or dangling mapping is left;
- an item never deleted by a user, and in scope, is on both sides;
- a field edited on one side only ends with that edit; edited on both, the policy's side wins
  ("newest" accepts either). After a crash between a write and its mapping, the engine cannot know
  which side moved first, so either edited value is accepted then.
"""

from __future__ import annotations

import itertools
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from syncengine.engine import RunResult, run_sync
from syncengine.planning.actions import hashes_of
from syncengine.policy import SyncSettings
from syncengine.records import Contact, Event
from syncengine.state import MemoryRepo, detached_side, is_pending
from syncengine.stores.base import Kind, Side
from syncengine.stores.memory import Clock, MemoryStore, SimulatedCrash
from tests.syncengine.conftest import engine_settings

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")
BASE = datetime(2026, 6, 1, 8, tzinfo=UTC)
FIELDS: dict[Kind, tuple[str, ...]] = {
    "contacts": ("first_name", "emails", "title", "mobile_phone", "company", "department"),
    "events": ("subject", "location", "when", "show_as", "private", "recurrence", "attendees"),
}
KEY_FIELDS = {"first_name", "last_name", "emails", "company", "subject", "start", "end"}
Record = Contact | Event
WRITES = ("created_", "updated_", "deleted_", "linked", "conflicts", "unlinked")


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.serial = itertools.count(1)
        self.pending: dict[tuple[str, str], dict[Side, str]] = {}
        self.user_deleted: dict[str, set[Side]] = {}
        self.crashed = False
        # Since the last quiet check: deletions, and edits of identifying fields.
        self.recent_deletes: dict[str, set[Side]] = {}
        self.key_edits: set[tuple[str, Side]] = set()
        self.tolerated: set[str] = set()
        self.agreed: dict[tuple[str, str], str] = {}

    @initialize(
        kind=st.sampled_from(["contacts", "events"]),
        direction=st.sampled_from(
            ["both", "both", "salesforce_to_mailbox", "mailbox_to_salesforce"]
        ),
        conflict=st.sampled_from(["salesforce", "mailbox", "newest"]),
        propagate=st.booleans(),
        private=st.booleans(),
        series=st.booleans(),
        batches=st.tuples(st.integers(1, 4), st.integers(1, 4)),
        mass_delete_count=st.integers(2, 40),
    )
    def setup(
        self,
        kind: Kind,
        direction: Any,
        conflict: Any,
        propagate: bool,
        private: bool,
        series: bool,
        batches: tuple[int, int],
        mass_delete_count: int,
    ) -> None:
        self.kind = kind
        clock = Clock()
        self.stores = {
            s: MemoryStore(s, kind, clock=clock, max_batch=b)
            for s, b in zip(SIDES, batches, strict=True)
        }
        self.repo = MemoryRepo()
        self.origin: dict[str, Side] = {}
        self.settings = SyncSettings(
            direction=direction,
            conflict=conflict,
            propagate_deletes=propagate,
            sync_private=private,
            sync_series=series,
            mass_delete_count=mass_delete_count,
        )

    # ------------------------------------------------------------------ records

    def new_record(self, private: bool, series: bool) -> Record:
        n = next(self.serial)
        if self.kind == "contacts":
            return Contact.normalized(
                first_name=f"F{n}",
                last_name=f"L{n}",
                emails=[f"e{n}@x.com"],
                company="Acme",
                description=f"t{n}",
            )
        start = BASE + timedelta(hours=n)
        return Event.normalized(
            subject=f"S{n}",
            start=start,
            end=start + timedelta(minutes=30),
            description=f"t{n}",
            private=private,
            recurrence="FREQ=WEEKLY;COUNT=4" if series else None,
        )

    def edited(self, record: Record, field: str) -> Record:
        n = next(self.serial)
        if isinstance(record, Contact):
            value: Any = [f"e{n}@x.com"] if field == "emails" else f"v{n}"
            return Contact.normalized(**{**_fields(record), field: value})
        f = _fields(record)
        if field == "when":
            f["start"] = BASE + timedelta(hours=n)
            f["end"] = f["start"] + timedelta(minutes=45)
        elif field == "show_as":
            f["show_as"] = ["busy", "free", "tentative", "oof"][n % 4]
        elif field == "private":
            f["private"] = not record.private
        elif field == "recurrence":
            f["recurrence"] = None if record.recurrence else f"FREQ=DAILY;COUNT={n}"
        elif field == "attendees":
            f["attendees"] = [f"a{n}@x.com"]
        else:
            f[field] = f"v{n}"
        return Event.normalized(**f)

    def note_edit(self, side: Side, old: Record, new: Record) -> None:
        token = old.description
        before, after = hashes_of(old), hashes_of(new)
        for f, h in after.items():
            if before[f] != h and self.agreed.get((token, f)) == h:
                # Back to the value last synced (A-B-A): no sync can tell it from no edit.
                self.pending.setdefault((token, f), {}).pop(side, None)
            elif before[f] != h:
                self.pending.setdefault((token, f), {})[side] = h
                if f in KEY_FIELDS:
                    self.key_edits.add((token, side))

    def pick(self, data: st.DataObject, side: Side) -> str | None:
        ids = sorted(self.stores[side].records())
        return data.draw(st.sampled_from(ids)) if ids else None

    # ------------------------------------------------------------------ user rules

    @rule(side=st.sampled_from(SIDES), private=st.booleans(), series=st.booleans())
    def create(self, side: Side, private: bool, series: bool) -> None:
        record = self.new_record(private, series)
        self.origin[record.description] = side
        self.stores[side].put(record)

    @rule(side=st.sampled_from(SIDES), data=st.data(), fields=st.data())
    def edit(self, side: Side, data: st.DataObject, fields: st.DataObject) -> None:
        item_id = self.pick(data, side)
        if item_id is None:
            return
        names = fields.draw(
            st.lists(st.sampled_from(FIELDS[self.kind]), min_size=1, max_size=3, unique=True)
        )
        self.edit_item(side, item_id, names)

    def edit_item(self, side: Side, item_id: str, names: list[str]) -> None:
        store = self.stores[side]
        old = new = store.records()[item_id]
        for name in names:
            new = self.edited(new, name)
        store.edit(item_id, new)
        self.note_edit(side, old, new)

    @rule(data=st.data(), same_field=st.booleans())
    def edit_both_sides(self, data: st.DataObject, same_field: bool) -> None:
        pairs = [m for m in self.repo.load() if not is_pending(m) and detached_side(m) is None]
        pairs = [
            m
            for m in pairs
            if m.salesforce_id in self.stores["salesforce"].records()
            and m.mailbox_id in self.stores["mailbox"].records()
        ]
        if not pairs:
            return
        m = data.draw(st.sampled_from(sorted(pairs, key=lambda p: p.salesforce_id)))
        first = data.draw(st.sampled_from(FIELDS[self.kind]))
        second = first if same_field else data.draw(st.sampled_from(FIELDS[self.kind]))
        self.edit_item("salesforce", m.salesforce_id, [first])
        self.edit_item("mailbox", m.mailbox_id, [second])

    @rule(side=st.sampled_from(SIDES), data=st.data(), count=st.integers(1, 6))
    def delete(self, side: Side, data: st.DataObject, count: int) -> None:
        for _ in range(count):
            item_id = self.pick(data, side)
            if item_id is None:
                return
            token = self.stores[side].records()[item_id].description
            self.stores[side].remove(item_id)
            self.user_deleted.setdefault(token, set()).add(side)
            self.recent_deletes.setdefault(token, set()).add(side)
            for key in [k for k in self.pending if k[0] == token]:
                self.pending[key].pop(side, None)

    @rule(side=st.sampled_from(SIDES), data=st.data())
    def server_rewrite(self, side: Side, data: st.DataObject) -> None:
        item_id = self.pick(data, side)
        if item_id is not None:
            self.stores[side].rewrite(item_id)

    @rule(side=st.sampled_from(SIDES))
    def expire_cursor(self, side: Side) -> None:
        self.stores[side].expire_cursors()

    # ------------------------------------------------------------------ sync rules

    def run(self, *, approve: bool = False) -> RunResult | None:
        before = self.snapshot()
        try:
            result = run_sync(
                self.stores["salesforce"],
                self.stores["mailbox"],
                self.repo,
                self.settings,
                approve_guard=approve,
            )
        except SimulatedCrash:
            self.crashed = True
            self.observe()  # what reached the other side before the crash did reach it
            return None
        finally:
            for store in self.stores.values():
                store.reset_faults()
        if result.status == "guard":
            assert self.snapshot() == before, "a tripped guard must change nothing"
        self.observe()
        return result

    @rule()
    def sync(self) -> None:
        self.run()

    @rule(side=st.sampled_from(SIDES), batches=st.integers(1, 3))
    def sync_with_crash(self, side: Side, batches: int) -> None:
        self.stores[side].crash_after_write(batches)
        self.run()

    @rule(side=st.sampled_from(SIDES), calls=st.integers(1, 4))
    def sync_while_throttled(self, side: Side, calls: int) -> None:
        self.stores[side].throttle(calls, retry_after=30)
        result = self.run()
        if result is not None and result.status == "throttled":
            assert result.retry_after == 30
            assert not result.cursors_saved

    @rule()
    def sync_until_quiet(self) -> None:
        for _ in range(8):
            result = self.run()
            if result is not None and result.status == "guard":
                result = self.run(approve=True)
            if result is not None and result.status == "ok" and not _wrote(result):
                break
        else:
            raise AssertionError("the sides did not settle within 8 runs")
        self.check_quiet()

    def teardown(self) -> None:
        if hasattr(self, "stores"):
            self.sync_until_quiet()

    # ------------------------------------------------------------------ model and checks

    def snapshot(self) -> tuple[dict[str, Record], dict[str, Record], dict[str, Any]]:
        return (
            self.stores["salesforce"].records(),
            self.stores["mailbox"].records(),
            dict(self.repo.mappings),
        )

    def by_token(self, side: Side) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for item_id, record in self.stores[side].records().items():
            out.setdefault(record.description, []).append(item_id)
        return out

    def observe(self) -> None:
        """Remember the values the two sides agree on, and forget the edits that got there."""
        sf, mb = (self.stores[s].records() for s in SIDES)
        tokens = {s: self.by_token(s) for s in SIDES}
        for token, a in tokens["salesforce"].items():
            b = tokens["mailbox"].get(token, [])
            if len(a) != 1 or len(b) != 1:
                continue
            if not (self.settings.in_scope(sf[a[0]]) and self.settings.in_scope(mb[b[0]])):
                continue  # agreeing while one is out of scope is no sync: the engine keeps its base
            left, right = hashes_of(sf[a[0]]), hashes_of(mb[b[0]])
            for f, h in left.items():
                if right[f] == h:
                    self.agreed[(token, f)] = h
                    self.pending.pop((token, f), None)

    def check_quiet(self) -> None:
        records = {s: self.stores[s].records() for s in SIDES}
        tokens = {s: self.by_token(s) for s in SIDES}
        for s in SIDES:
            dupes = {t: ids for t, ids in tokens[s].items() if len(ids) > 1}
            for t in dupes:
                # Known limit (docs/decision-table.md): a Salesforce item created by a crashed run
                # whose identifying fields the user edits before the next run is not recognized.
                if self.crashed and (t, "salesforce") in self.key_edits:
                    self.tolerated.add(t)
            dupes = {t: ids for t, ids in dupes.items() if t not in self.tolerated}
            assert not dupes, f"duplicates in {s}: {dupes}"
        mappings = self.repo.load()
        assert not [m for m in mappings if is_pending(m)], "a pending create was left behind"
        owners: dict[Side, dict[str, int]] = {s: {} for s in SIDES}
        for m in mappings:
            gone = detached_side(m)
            ids = {"salesforce": m.salesforce_id, "mailbox": m.mailbox_id}
            for s in SIDES:
                if s != gone:
                    assert ids[s] in records[s], f"mapping to a missing {s} item: {m}"
                    owners[s][ids[s]] = owners[s].get(ids[s], 0) + 1
            if gone is None and self.settings.direction == "both":
                sf, mb = records["salesforce"][m.salesforce_id], records["mailbox"][m.mailbox_id]
                if self.settings.in_scope(sf) and self.settings.in_scope(mb):
                    assert hashes_of(sf) == hashes_of(mb), f"linked items differ:\n{sf}\n{mb}"
        for s in SIDES:
            for item_id, record in records[s].items():
                n = owners[s].get(item_id, 0)
                assert n <= 1, f"{s} item {item_id} is in {n} mappings"
                if self.settings.in_scope(record) and self.settings.flows(s):
                    assert n == 1, f"in-scope {s} item left unlinked: {record}"
        for s in SIDES:
            for token, ids in tokens[s].items():
                record = records[s][ids[0]]
                if (
                    not self.user_deleted.get(token)
                    and self.settings.in_scope(record)
                    and self.settings.flows(self.origin[token])
                ):
                    assert token in tokens[_other(s)], f"{token} lost from {_other(s)}"
        for token, sides in self.recent_deletes.items():
            # A crashed run may have created the item it was deleted from without recording the
            # link; the deletion then cannot be traced, and the item is created again.
            flows = self.settings.flows("salesforce")
            if self.kind == "contacts" and "salesforce" in sides and flows and not self.crashed:
                if self.origin.get(token) == "mailbox":
                    # Decision table D1c: never deleted from where the user made it.
                    assert token in tokens["mailbox"] or "mailbox" in sides, (
                        f"{token}, made in the mailbox, was deleted there when it left Salesforce"
                    )
                else:
                    assert token not in tokens["mailbox"], (
                        f"{token} left Salesforce but stays in the mailbox"
                    )
        self.check_edits(records, tokens)
        self.pending.clear()
        self.crashed = False
        self.recent_deletes.clear()
        self.key_edits.clear()

    def check_edits(
        self, records: dict[Side, dict[str, Record]], tokens: dict[Side, dict[str, list[str]]]
    ) -> None:
        for (token, f), edits in self.pending.items():
            if not edits or token not in tokens["salesforce"] or token not in tokens["mailbox"]:
                continue
            if token in self.tolerated:
                continue  # two copies: which one an edit went to is not the engine's doing
            sf = records["salesforce"][tokens["salesforce"][token][0]]
            mb = records["mailbox"][tokens["mailbox"][token][0]]
            if not (self.settings.in_scope(sf) and self.settings.in_scope(mb)):
                continue
            if self.settings.direction != "both":
                self.check_one_way_edit(token, f, edits, {"salesforce": sf, "mailbox": mb})
                continue
            final = hashes_of(sf)[f]
            if len(edits) == 1 and not self.crashed:
                (value,) = edits.values()
                assert final == value, f"edit of {f} on {token} lost"
            elif self.settings.conflict == "newest" or self.crashed:
                assert final in edits.values(), f"{f} on {token} is neither side's edit"
            else:
                assert final == edits[self.settings.conflict], f"{f} on {token}: policy not applied"

    def check_one_way_edit(
        self, token: str, f: str, edits: dict[Side, str], pair: dict[Side, Record]
    ) -> None:
        """One way: the source's edits reach the target and win; the target's stay where made."""
        source: Side = "salesforce" if self.settings.flows("salesforce") else "mailbox"
        target = _other(source)
        got = {s: hashes_of(pair[s])[f] for s in SIDES}
        if source in edits:
            assert got[source] == edits[source], f"{f} on {token}: the source lost its edit"
            assert got[target] == edits[source], f"{f} on {token}: the source's edit did not arrive"
        else:
            assert got[target] == edits[target], f"{f} on {token}: the target's edit was reverted"
            assert got[source] != edits[target], f"{f} on {token}: a target edit flowed"


def _fields(record: Record) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _other(side: Side) -> Side:
    return "mailbox" if side == "salesforce" else "salesforce"


def _wrote(result: RunResult) -> bool:
    return any(v for k, v in result.counts.items() if k.startswith(WRITES))


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = engine_settings(stateful_step_count=50)
