"""The decisions for mapped pairs (rows M, D and S of docs/decision-table.md) and the actions that
carry them out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from syncengine.planning.actions import SIDES, Action, ActionType, Write, hashes_of, other
from syncengine.planning.meetings import attendee_copy, decide_pair
from syncengine.planning.merging import changed_fields, overlay, written_fields
from syncengine.policy import SyncSettings
from syncengine.state import (
    MappingState,
    compose_hashes,
    intents,
    mapping_id,
    mapping_version,
    side_hashes,
)
from syncengine.stores.base import Create, Delete, Item, Kind, Side, Update


@dataclass
class View:
    """What is known of one side in this run."""

    side: Side
    items: dict[str, Item]
    page_ids: set[str]
    deleted: set[str]
    full: bool


@dataclass
class PairState:
    """One side of a mapped pair in this run."""

    status: str  # "deleted" | "changed" | "unchanged"
    item: Item | None = None
    fields: frozenset[str] = frozenset()
    refreshed: bool = False  # the version moved but no hashed field did


@dataclass
class Builder:
    kind: Kind
    settings: SyncSettings
    views: dict[Side, View]
    actions: list[Action] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers

    def add(self, action: Action) -> None:
        self.actions.append(action)

    def label(self, *items: Item | None) -> str:
        for it in items:
            if it is not None:
                return it.record.label()
        return f"{self.kind[:-1]}"

    def state(self, side: Side, m: MappingState) -> PairState:
        view = self.views[side]
        item_id = mapping_id(m, side)
        item = view.items.get(item_id)
        if item is None:
            return PairState("deleted") if item_id in view.deleted else PairState("unchanged")
        if item.version == mapping_version(m, side):
            return PairState("unchanged", item)
        base = side_hashes(m, side)
        now = hashes_of(item.record)
        changed = frozenset(f for f, h in now.items() if base.get(f) != h)
        if not changed:
            return PairState("unchanged", item, refreshed=True)
        return PairState("changed", item, changed_fields(self.kind, changed))

    def settle_intents(self, m: MappingState) -> MappingState:
        """An update under way when a run stopped: where the item now holds exactly what was being
        written, that value is lsync's own write from the other side, so it becomes both sides'
        base (not an edit to send back). Otherwise the write did not land and is forgotten."""
        pending = intents(m)
        if not pending:
            return m
        bases = {s: side_hashes(m, s) for s in SIDES}
        for side, name, value in pending:
            item = self.views[side].items.get(mapping_id(m, side))
            if item is not None and hashes_of(item.record).get(name) == value:
                bases[side][name] = bases[other(side)][name] = value
        hashes = compose_hashes(bases["salesforce"], bases["mailbox"])
        return replace(m, hashes=hashes, intents={})

    def update(
        self, target: Side, target_id: str, version: str | None, source: Item, fields: Iterable[str]
    ) -> Write:
        # An unknown version ("") means no condition: the item was read by id in this run.
        return Write(target, Update(target_id, source.record, version or None, frozenset(fields)))

    # ------------------------------------------------------------------ mapped pairs

    def pair(self, m: MappingState, *, save: bool = False) -> None:
        """Decide for a mapped pair; `save` records the mapping even when nothing changed."""
        m = self.settle_intents(m)
        sf, mb = self.state("salesforce", m), self.state("mailbox", m)
        states = {"salesforce": sf, "mailbox": mb}
        label = self.label(sf.item, mb.item)
        ids: dict[Side, str] = {"salesforce": m.salesforce_id, "mailbox": m.mailbox_id}
        if (
            sf.item is None
            and mb.item is None
            and not save
            and "deleted" not in (sf.status, mb.status)
        ):
            return  # neither side read in this run: nothing to decide
        if sf.status == "deleted" and mb.status == "deleted":
            self.add(
                Action("unlink", label, "D9", "deleted on both sides", ids, before=m, forget=True)
            )
            return
        if self.kind == "events" and decide_pair(self, m, sf, mb, label, ids):
            return
        out = {
            s
            for s in SIDES
            if (held := states[s].item) is not None and not self.settings.in_scope(held.record)
        }
        for gone in SIDES:
            if states[gone].status == "deleted":
                if out:
                    why = "deleted on one side; the other is out of scope (private or series): left alone"
                    self.add(self.detach_action(gone, ids, m, label, "S2", why))
                else:
                    self.deleted_one(m, gone, states[other(gone)], label, ids)
                return
        self.both_present(m, sf, mb, label, ids, save, paused=out)

    def deleted_one(
        self, m: MappingState, gone: Side, survivor: PairState, label: str, ids: dict[Side, str]
    ) -> None:
        keep = other(gone)
        s = self.settings
        if self.kind == "contacts":
            made_by_user = survivor.item is not None and survivor.item.marker != m.salesforce_id
            if gone == "salesforce" and s.flows("salesforce") and made_by_user:
                why = (
                    "left Salesforce (deleted or out of the filter); the user made it in the "
                    "mailbox, so it stays there, unsynced"
                )
                self.add(self.detach_action(gone, ids, m, label, "D1c", why))
            elif gone == "salesforce" and s.flows("salesforce"):
                self.add(
                    self.delete_action(
                        keep,
                        ids,
                        m,
                        label,
                        "D1",
                        "left Salesforce (deleted or out of the filter): removed from the mailbox folder",
                    )
                )
            else:
                why = (
                    "removed from the mailbox: contacts are never deleted in Salesforce"
                    if gone == "mailbox"
                    else "left Salesforce; changes do not flow to the mailbox"
                )
                self.add(
                    self.detach_action(
                        gone, ids, m, label, "D2" if gone == "mailbox" else "D1b", why
                    )
                )
            return
        if not (s.propagate_deletes and s.flows(gone)):
            self.add(
                self.detach_action(
                    gone,
                    ids,
                    m,
                    label,
                    "D5",
                    "deletes do not propagate here: the other copy stays, unsynced",
                )
            )
            return
        if survivor.status == "changed" and s.flows(keep):
            # Modification beats deletion: the edited copy is created again on the other side.
            assert survivor.item is not None
            self.add(
                self.create_action(
                    gone,
                    survivor.item,
                    m,
                    label,
                    "D4",
                    "deleted on one side, edited on the other: created again",
                )
            )
            return
        self.add(self.delete_action(keep, ids, m, label, "D3", f"deleted in {gone}"))

    def current(
        self, m: MappingState, states: dict[Side, PairState]
    ) -> tuple[dict[Side, str], dict[Side, dict[str, str]]]:
        """Each side's version and field hashes as read in this run (the mapping's where the
        item was not read)."""
        versions: dict[Side, str] = {}
        bases: dict[Side, dict[str, str]] = {}
        for s in SIDES:
            held = states[s].item
            if held is None or held.version == mapping_version(m, s):
                # Unchanged: what was recorded (it may keep an old base on purpose, see S1).
                versions[s], bases[s] = mapping_version(m, s), side_hashes(m, s)
            else:
                versions[s], bases[s] = held.version, dict(hashes_of(held.record))
        return versions, bases

    def both_present(
        self,
        m: MappingState,
        sf: PairState,
        mb: PairState,
        label: str,
        ids: dict[Side, str],
        save: bool = False,
        paused: set[Side] | None = None,
    ) -> None:
        """`paused`: sides whose item is out of scope (private or series): their changes do not
        flow, but changes from the other side still reach them."""
        paused = paused or set()
        states: dict[Side, PairState] = {"salesforce": sf, "mailbox": mb}
        if sf.status != "changed" and mb.status != "changed":
            refresh = sf.refreshed or mb.refreshed or save
            versions, bases = self.current(m, states) if refresh else (None, None)
            rule, why = (
                ("S1", "out of scope (private or series)") if paused else ("M1", "no change")
            )
            why += " (versions refreshed)" if refresh else ""
            self.add(
                Action("skip", label, rule, why, ids, before=m, versions=versions, bases=bases)
            )
            return
        versions, bases = self.current(m, states)
        held = {s: dict(bases[s]) for s in SIDES}  # before this action's writes
        writes: list[Write] = []
        conflicts: list[str] = []
        to_write: dict[Side, set[str]] = {"salesforce": set(), "mailbox": set()}
        both = sf.fields & mb.fields
        # An attendee's copy of a meeting receives nothing from Salesforce (row O4).
        sealed: set[Side] = {"mailbox"} if attendee_copy(mb.item) else set()
        for s in SIDES:
            for f in states[s].fields - both:
                if self.settings.flows(s) and s not in paused and other(s) not in sealed:
                    to_write[other(s)].add(f)
        for f in sorted(both):
            assert sf.item is not None and mb.item is not None
            if hashes_of(sf.item.record)[f] == hashes_of(mb.item.record)[f]:
                continue  # same edit on both sides
            if len(paused) == 2:
                continue
            conflicts.append(f)
            win = other(next(iter(paused))) if paused else self.settings.winner(sf.item, mb.item)
            if sealed:
                win = "mailbox"
                if not self.settings.flows(win):
                    continue
            to_write[other(win)].add(f)
        for target in SIDES:
            source, target_item = states[other(target)].item, states[target].item
            if not to_write[target]:
                continue
            assert source is not None
            fields = written_fields(source, to_write[target], states[target].fields)
            writes.append(
                self.update(
                    target,
                    ids[target],
                    target_item.version if target_item else mapping_version(m, target),
                    overlay(target_item, source, fields),
                    fields,
                )
            )
            src_hashes = hashes_of(source.record)
            bases[target] = {**bases[target], **{f: src_hashes[f] for f in fields}}
        for s in paused:
            # Edits made while out of scope keep their old base: they flow once back in scope.
            old = side_hashes(m, s)
            kept = states[s].fields - to_write[s]
            bases[s] = {**bases[s], **{f: old[f] for f in kept if f in old}}
            held[s] = {**held[s], **{f: old[f] for f in kept if f in old}}
        kind: ActionType
        if sealed and sf.status == "changed":
            rule, kind = "O4", ("update" if writes else "skip")
            why = "an attendee's copy of a meeting: Salesforce changes are not written to it"
        elif paused:
            rule, kind = "S1", ("update" if writes else "skip")
            why = "out of scope (private or series) on one side: only the other side's changes flow"
        elif conflicts and self.settings.direction == "both":
            rule, kind = "M6", "conflict"
            why = f"changed on both sides: {', '.join(conflicts)} settled by policy"
        elif conflicts:
            rule, kind = "M7", "conflict"
            why = f"changed on both sides: {', '.join(conflicts)} settled by direction"
        elif sf.status == "changed" and mb.status == "changed":
            rule, kind = "M5", ("update" if writes else "skip")
            why = "changed on both sides: merged field by field"
        elif not writes:
            rule, kind, why = "M3", "skip", "changed where changes do not flow"
        else:
            rule, kind, why = "M2", "update", "changed on one side"
        self.add(
            Action(
                kind,
                label,
                rule,
                why,
                ids,
                writes=tuple(writes),
                before=m,
                versions=versions,
                bases=bases,
                conflicts=tuple(conflicts),
                held=held,
            )
        )  # type: ignore[arg-type]

    # ------------------------------------------------------------------ action builders

    def delete_action(
        self, target: Side, ids: dict[Side, str], m: MappingState, label: str, rule: str, why: str
    ) -> Action:
        item = self.views[target].items.get(ids[target])
        version = item.version if item else mapping_version(m, target)
        return Action(
            "delete",
            label,
            rule,
            why,
            ids,
            writes=(Write(target, Delete(ids[target], version or None)),),
            before=m,
            forget=True,
        )

    def detach_action(
        self, gone: Side, ids: dict[Side, str], m: MappingState, label: str, rule: str, why: str
    ) -> Action:
        tomb = replace(m.copy(), status="detached", gone=gone)
        return Action("unlink", label, rule, why, ids, before=m, tombstone=tomb)

    def create_action(
        self, target: Side, source: Item, m: MappingState | None, label: str, rule: str, why: str
    ) -> Action:
        src_side = other(target)
        marker = source.id if target == "mailbox" else None
        ids: dict[Side, str] = {src_side: source.id}
        h = hashes_of(source.record)
        return Action(
            "create", label, rule, why, ids,
            writes=(Write(target, Create(f"{src_side}:{source.id}", source.record, marker)),),
            # One dict for both bases, never mutated (readers copy): an initial sync holds one
            # create per item until it has run, so two copies each were 2 x 50,000 dicts.
            before=m, versions={src_side: source.version}, bases={"salesforce": h, "mailbox": h},
        )  # fmt: skip

    def link_action(self, sf: Item, mb: Item, rule: str, why: str) -> Action:
        """Two items found to be the same: differing fields are settled by direction or policy."""
        items = {"salesforce": sf, "mailbox": mb}
        hashes = {s: hashes_of(items[s].record) for s in SIDES}
        differ = sorted(
            f for f in hashes["salesforce"] if hashes["salesforce"][f] != hashes["mailbox"][f]
        )
        bases = {s: dict(hashes[s]) for s in SIDES}
        writes: list[Write] = []
        win = self.settings.winner(sf, mb)
        if attendee_copy(mb):
            # An attendee's copy is the organizer's: linked, never written to (row O4c).
            win = "mailbox"
            differ = differ if self.settings.flows("mailbox") else []
        if differ:
            loser = other(win)
            writes.append(
                self.update(loser, items[loser].id, items[loser].version, items[win], differ)
            )
            bases[loser] = {**bases[loser], **{f: hashes[win][f] for f in differ}}
        ids: dict[Side, str] = {"salesforce": sf.id, "mailbox": mb.id}
        versions = {s: items[s].version for s in SIDES}
        return Action(
            "link",
            sf.record.label(),
            rule,
            why,
            ids,
            writes=tuple(writes),
            versions=versions,
            bases=bases,
            conflicts=tuple(differ),
            held={s: dict(hashes[s]) for s in SIDES},
        )
