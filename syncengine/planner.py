"""The planner: a pure function of (changes, mappings, settings) -> Plan (ARCHITECTURE §5.3).

The rows of docs/decision-table.md are named in `Action.rule`; tests/syncengine/test_planner_table.py
checks each row. Vocabulary:
- a side *changed* when its version moved AND at least one field hash moved; the changed fields are
  those whose hash differs from what that side held after the last sync (its *base*);
- a change *flows* from a side when the direction allows writing it to the other side;
- *detach* keeps a tombstone so the surviving item is neither deleted nor created again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from syncengine.policy import SyncSettings
from syncengine.records import Contact, Event, value_hash
from syncengine.state import (
    MappingState,
    compose_hashes,
    detached_side,
    intents,
    is_pending,
    mapping_id,
    mapping_version,
    side_hashes,
)
from syncengine.stores.base import ChangePage, Create, Delete, Item, Kind, Op, Side, Update

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")
KEY_ORDER: dict[Kind, tuple[str, ...]] = {"contacts": ("email", "name"), "events": ("slot",)}

ActionType = Literal["link", "create", "update", "delete", "conflict", "skip", "unlink"]


@dataclass(frozen=True)
class Write:
    """One op against one side."""

    side: Side
    op: Op


@dataclass(frozen=True)
class Action:
    """One decision about one item (or pair). `rule` names its row in docs/decision-table.md.

    After its writes succeed the executor saves the mapping built from `ids`, `versions` and
    `bases` (completed with the written sides' new ids and versions); `forget` removes the
    mapping instead, and `tombstone` replaces it with a detached one."""

    type: ActionType
    label: str
    rule: str
    reason: str
    ids: dict[Side, str]
    writes: tuple[Write, ...] = ()
    before: MappingState | None = None
    versions: dict[Side, str] | None = None
    bases: dict[Side, dict[str, str]] | None = None
    forget: bool = False
    tombstone: MappingState | None = None
    conflicts: tuple[str, ...] = ()
    # Each side's field hashes before this action's writes (`bases` without what they write):
    # what a side still holds when a write to it fails.
    held: dict[Side, dict[str, str]] | None = None

    def describe(self) -> str:
        if self.type == "skip":
            return f"skip: {self.label} ({self.reason})"
        if self.type == "unlink":
            return f"unlink: {self.label} ({self.reason})"
        lines = []
        for w in self.writes:
            op = w.op
            if isinstance(op, Create):
                lines.append(f"create in {w.side}: {op.record.label()}")
            elif isinstance(op, Delete):
                lines.append(f"delete in {w.side}: {self.label}")
            else:
                fields = ", ".join(sorted(op.fields or ()))
                lines.append(f"update in {w.side}: {self.label} ({fields})")
        head = {"link": "link", "conflict": "conflict"}.get(self.type)
        if head:
            detail = f" [{', '.join(self.conflicts)}]" if self.conflicts else ""
            lines.insert(0, f"{head}: {self.label}{detail} ({self.reason})")
        return "; ".join(lines) if lines else f"{self.type}: {self.label}"


# RunResult.counts keys for actions counted as a whole (writes are counted per side).
TALLIES: dict[str, str] = {
    "link": "linked",
    "conflict": "conflicts",
    "skip": "skipped",
    "unlink": "unlinked",
}


@dataclass
class Plan:
    kind: Kind
    actions: list[Action]

    def by_type(self, kind: ActionType) -> list[Action]:
        return [a for a in self.actions if a.type == kind]

    def deletes(self, side: Side) -> int:
        return sum(
            1 for a in self.actions for w in a.writes if w.side == side and isinstance(w.op, Delete)
        )

    def counts(self) -> dict[str, int]:
        """What the plan would do, in the keys of RunResult.counts (created_<side>, ...)."""
        out: dict[str, int] = {}

        def add(key: str) -> None:
            out[key] = out.get(key, 0) + 1

        for a in self.actions:
            for w in a.writes:
                verb = {Create: "created", Delete: "deleted"}.get(type(w.op), "updated")
                add(f"{verb}_{w.side}")
            if a.type in TALLIES:
                add(TALLIES[a.type])
        return out

    def describe(self, *, skips: bool = False) -> list[str]:
        """One readable line per action (for dry runs); skips only when asked."""
        return [a.describe() for a in self.actions if skips or a.type != "skip"]


@lru_cache(maxsize=16384)
def hashes_of(record: Contact | Event) -> dict[str, str]:
    """Field hashes, cached within a run: records are immutable (callers must not mutate the
    dict). `run_sync` clears the cache when it ends, so no record outlives its run here."""
    return record.field_hashes()


def other(side: Side) -> Side:
    return "mailbox" if side == "salesforce" else "salesforce"


@dataclass
class _View:
    """What is known of one side in this run."""

    side: Side
    items: dict[str, Item]
    page_ids: set[str]
    deleted: set[str]
    full: bool


@dataclass
class _State:
    """One side of a mapped pair in this run."""

    status: str  # "deleted" | "changed" | "unchanged"
    item: Item | None = None
    fields: frozenset[str] = frozenset()
    refreshed: bool = False  # the version moved but no hashed field did


@dataclass
class _Builder:
    kind: Kind
    settings: SyncSettings
    views: dict[Side, _View]
    actions: list[Action] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers

    def add(self, action: Action) -> None:
        self.actions.append(action)

    def label(self, *items: Item | None) -> str:
        for it in items:
            if it is not None:
                return it.record.label()
        return f"{self.kind[:-1]}"

    def state(self, side: Side, m: MappingState) -> _State:
        view = self.views[side]
        item_id = mapping_id(m, side)
        item = view.items.get(item_id)
        if item is None:
            return _State("deleted") if item_id in view.deleted else _State("unchanged")
        if item.version == mapping_version(m, side):
            return _State("unchanged", item)
        base = side_hashes(m, side)
        now = hashes_of(item.record)
        changed = frozenset(f for f, h in now.items() if base.get(f) != h)
        if not changed:
            return _State("unchanged", item, refreshed=True)
        return _State("changed", item, changed)

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
        self, m: MappingState, gone: Side, survivor: _State, label: str, ids: dict[Side, str]
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
        self, m: MappingState, states: dict[Side, _State]
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
        sf: _State,
        mb: _State,
        label: str,
        ids: dict[Side, str],
        save: bool = False,
        paused: set[Side] | None = None,
    ) -> None:
        """`paused`: sides whose item is out of scope (private or series): their changes do not
        flow, but changes from the other side still reach them."""
        paused = paused or set()
        states: dict[Side, _State] = {"salesforce": sf, "mailbox": mb}
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
        for s in SIDES:
            for f in states[s].fields - both:
                if self.settings.flows(s) and s not in paused:
                    to_write[other(s)].add(f)
        for f in sorted(both):
            assert sf.item is not None and mb.item is not None
            if hashes_of(sf.item.record)[f] == hashes_of(mb.item.record)[f]:
                continue  # same edit on both sides
            if len(paused) == 2:
                continue
            conflicts.append(f)
            win = other(next(iter(paused))) if paused else self.settings.winner(sf.item, mb.item)
            to_write[other(win)].add(f)
        for target in SIDES:
            fields = to_write[target]
            if not fields:
                continue
            source = states[other(target)].item
            assert source is not None
            target_item = states[target].item
            writes.append(
                self.update(
                    target,
                    ids[target],
                    target_item.version if target_item else mapping_version(m, target),
                    source,
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
        if paused:
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
            before=m, versions={src_side: source.version}, bases={"salesforce": dict(h), "mailbox": dict(h)},
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
        if differ:
            win = self.settings.winner(sf, mb)
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


def plan(
    kind: Kind,
    sf: ChangePage,
    mail: ChangePage,
    mappings: Sequence[MappingState],
    settings: SyncSettings,
    known: dict[Side, dict[str, Item]] | None = None,
) -> Plan:
    """Decide every action for one run. `known` holds items fetched for matching (by `find` or by
    a mailbox item's marker); they never count as changes on their own."""
    known = known or {}
    views: dict[Side, _View] = {}
    pages = {"salesforce": sf, "mailbox": mail}
    for side in SIDES:
        page = pages[side]
        items = dict(known.get(side, {}))
        items.update({it.id: it for it in page.changed})
        page_ids = {it.id for it in page.changed}
        deleted = set(page.deleted) - page_ids
        if page.full:
            mapped = {mapping_id(m, side) for m in mappings} - {""}
            deleted |= mapped - page_ids
        views[side] = _View(side, items, page_ids, deleted, page.full)
    b = _Builder(kind, settings, views)
    if settings.direction == "off":
        return Plan(kind, [])

    linked: dict[Side, set[str]] = {"salesforce": set(), "mailbox": set()}
    pendings: list[MappingState] = []
    survivors: dict[Side, dict[str, MappingState]] = {"salesforce": {}, "mailbox": {}}
    regular: list[MappingState] = []
    for m in mappings:
        gone = detached_side(m)
        if is_pending(m):
            pendings.append(m)
        elif gone is not None:
            survivors[other(gone)][mapping_id(m, other(gone))] = m
        else:
            regular.append(m)
    for m in regular:
        for s in SIDES:
            linked[s].add(mapping_id(m, s))
    # Copies being created in the mailbox (no mailbox id yet): settled with the markers below.
    awaiting = {p.salesforce_id: p for p in pendings if not p.mailbox_id}
    pendings = [p for p in pendings if p.mailbox_id]

    # Markers first: a mailbox item stamped with a Salesforce id belongs to that id.
    mb_view, sf_view = views["mailbox"], views["salesforce"]
    by_sf = {m.salesforce_id: m for m in regular}
    consumed: set[str] = set()  # mapped mailbox ids whose mapping a marker took over
    marker_links: list[tuple[Item, Item | None, MappingState | None]] = []
    # Items with a pending row are settled by the pending resolution below, whatever their marker.
    pending_mb = {p.mailbox_id for p in pendings}
    for mid in sorted(
        set(mb_view.items) - linked["mailbox"] - set(survivors["mailbox"]) - pending_mb
    ):
        item = mb_view.items[mid]
        target = item.marker
        if not target or target in consumed:
            continue
        old = by_sf.get(target)
        if old is not None and old.mailbox_id not in mb_view.deleted:
            continue  # a copy of a synced item carries the marker too: treat it as new
        sf_item = sf_view.items.get(target)
        if sf_item is None and target not in sf_view.deleted and not sf_view.full:
            continue  # unknown: the engine fetches marker targets, so this is a stale marker
        consumed.add(target)
        marker_links.append((item, sf_item, old))
    for mb_item, sf_item, old in marker_links:
        linked["mailbox"].add(mb_item.id)
        if old is not None:
            regular.remove(old)
            linked["mailbox"].discard(old.mailbox_id)
        made = awaiting.pop(mb_item.marker or "", None)
        if made is not None:
            # lsync's own copy whose link was never recorded: compared with what was written to
            # it, so an edit made to it since is a change (settling by policy would undo it).
            if sf_item is None:
                views["salesforce"].deleted.add(made.salesforce_id)
            else:
                linked["salesforce"].add(sf_item.id)
            ids = (made.salesforce_id, mb_item.id, made.salesforce_version, "")
            b.pair(MappingState(*ids, dict(made.hashes)), save=True)
        elif sf_item is None:
            # The Salesforce item went away after lsync created this copy: as if it were linked.
            m = MappingState(
                mb_item.marker or "",
                mb_item.id,
                "",
                mb_item.version,
                dict(hashes_of(mb_item.record)),
            )
            views["salesforce"].deleted.add(m.salesforce_id)
            b.pair(m)
        else:
            linked["salesforce"].add(sf_item.id)
            b.add(
                b.link_action(
                    sf_item, mb_item, "U1", "the mailbox item carries this Salesforce id (marker)"
                )
            )

    for m in regular:
        b.pair(m)

    # Pending Salesforce creates from a run that stopped before saving the link.
    for p in pendings:
        pm_item = mb_view.items.get(p.mailbox_id)
        if p.mailbox_id in mb_view.deleted or (pm_item is None and mb_view.full):
            b.add(
                Action(
                    "unlink",
                    b.label(pm_item),
                    "U5b",
                    "pending create for an item now gone",
                    {"mailbox": p.mailbox_id},
                    before=p,
                    forget=True,
                )
            )
            continue
        want = side_hashes(p, "salesforce")
        free = [sf_view.items[i] for i in sorted(sf_view.page_ids - linked["salesforce"])]
        found = (
            next((c for c in free if hashes_of(c.record) == want), None)
            or next((c for c in free if _same_keys(kind, hashes_of(c.record), want)), None)
            or _closest(free, want)
        )
        if found is None and pm_item is not None and not settings.in_scope(pm_item.record):
            # Nothing was created (or it is gone) and the item left the scope: nothing to recover.
            why = "pending create for an item now out of scope"
            b.add(
                Action(
                    "unlink",
                    b.label(pm_item),
                    "U5b",
                    why,
                    {"mailbox": p.mailbox_id},
                    before=p,
                    forget=True,
                )
            )
        if found is not None:
            linked["salesforce"].add(found.id)
            linked["mailbox"].add(p.mailbox_id)
            # No Salesforce version: its fields are compared with what was written, so an edit
            # made since the crash is seen and merged.
            b.pair(
                MappingState(found.id, p.mailbox_id, "", p.mailbox_version, dict(p.hashes)),
                save=True,
            )

    # A mailbox create under way whose copy is not there and whose source is gone.
    for sid, p in awaiting.items():
        if sid in sf_view.deleted or (sid not in sf_view.items and sf_view.full):
            why = "pending create for an item now gone"
            b.add(
                Action("unlink", b.label(), "U5b", why, {"salesforce": sid}, before=p, forget=True)
            )

    # Tombstones: the survivor's deletion ends them; otherwise the survivor stays unsynced.
    for side in SIDES:
        for sid, m in survivors[side].items():
            if sid in views[side].deleted:
                b.add(
                    Action(
                        "unlink",
                        b.label(),
                        "T1",
                        "the remaining item was deleted too",
                        {side: sid},
                        before=m,
                        forget=True,
                    )
                )

    _match_and_create(b, linked, survivors)
    return Plan(kind, b.actions)


_EMPTY = {value_hash(""), value_hash(()), value_hash(None)}
# Field groups that identify an item, as the match keys do (records.match_keys).
KEY_FIELDS: dict[Kind, tuple[tuple[str, ...], ...]] = {
    "contacts": (("emails",), ("first_name", "last_name", "company")),
    "events": (("subject", "start", "end"),),
}


# How many written fields a user may have edited in a new Salesforce item before the run that
# created it is recovered, for the item still to be recognised (an edit of "when" moves two).
EDITS_TOLERATED = 3


def _closest(free: Sequence[Item], want: dict[str, str]) -> Item | None:
    """The one item still holding most of what was written (row U5): the user edited its
    identifying fields before the crashed run was recovered. Fewer written fields differ than
    agree, at most EDITS_TOLERATED, and no other item comes as close; else none (a tie would be
    a guess)."""
    written = {f: h for f, h in want.items() if h not in _EMPTY}
    scored = sorted(
        (sum(hashes_of(c.record).get(f) != h for f, h in written.items()), c.id, c) for c in free
    )
    near = [(d, c) for d, _, c in scored if d <= EDITS_TOLERATED and 2 * d < len(written)]
    if not near or (len(near) > 1 and near[0][0] == near[1][0]):
        return None
    return near[0][1]


def _same_keys(kind: Kind, have: dict[str, str], want: dict[str, str]) -> bool:
    """Whether two records agree on a non-empty identifying group of fields."""
    for group in KEY_FIELDS[kind]:
        values = [want.get(f) for f in group]
        if all(have.get(f) == v for f, v in zip(group, values, strict=True)) and any(
            v not in _EMPTY for v in values
        ):
            return True
    return False


def _match_and_create(
    b: _Builder, linked: dict[Side, set[str]], survivors: dict[Side, dict[str, MappingState]]
) -> None:
    views, settings = b.views, b.settings
    initiators: dict[Side, list[Item]] = {}
    index: dict[Side, dict[tuple[str, ...], list[str]]] = {}
    for side in SIDES:
        view = views[side]
        free = [
            view.items[i]
            for i in sorted(view.items)
            if i not in linked[side] and i not in survivors[side]
        ]
        scoped = [it for it in free if settings.in_scope(it.record)]
        initiators[side] = [it for it in scoped if it.id in view.page_ids]
        idx: dict[tuple[str, ...], list[str]] = {}
        candidates = scoped + [view.items[i] for i in sorted(survivors[side]) if i in view.items]
        for it in candidates:
            for key in it.record.match_keys():
                idx.setdefault(key, []).append(it.id)
        index[side] = idx
    taken: dict[Side, set[str]] = {s: set(linked[s]) for s in SIDES}
    for rule_no, key_type in enumerate(KEY_ORDER[b.kind], start=1):
        for side in SIDES:
            opp = other(side)
            for it in initiators[side]:
                if it.id in taken[side]:
                    continue
                for key in it.record.match_keys():
                    if key[0] != key_type:
                        continue
                    hit = next(
                        (c for c in index[opp].get(key, []) if c not in taken[opp] and c != it.id),
                        None,
                    )
                    if hit is None:
                        continue
                    taken[side].add(it.id)
                    taken[opp].add(hit)
                    pair = {side: it, opp: views[opp].items[hit]}
                    b.add(
                        b.link_action(
                            pair["salesforce"],
                            pair["mailbox"],
                            f"U{1 + rule_no}",
                            f"same {key_type}",
                        )
                    )
                    break
    for side in SIDES:
        for it in initiators[side]:
            if it.id in taken[side]:
                continue
            if settings.flows(side):
                b.add(
                    b.create_action(
                        other(side), it, None, it.record.label(), "U7", f"new in {side}"
                    )
                )
            else:
                b.add(
                    Action(
                        "skip",
                        it.record.label(),
                        "U8",
                        f"new in {side}; changes do not flow from there",
                        {side: it.id},
                    )
                )
