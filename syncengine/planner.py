"""The planner: a pure function of (changes, mappings, settings) -> Plan (ARCHITECTURE §5.3).

The rows of docs/decision-table.md are named in `Action.rule`; tests/syncengine/test_planner_table.py
checks each row. Vocabulary:
- a side *changed* when its version moved AND at least one field hash moved; the changed fields are
  those whose hash differs from what that side held after the last sync (its *base*);
- a change *flows* from a side when the direction allows writing it to the other side;
- *detach* keeps a tombstone so the surviving item is neither deleted nor created again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from syncengine.planning.actions import SIDES, Action, Plan, hashes_of, other
from syncengine.planning.builder import Builder, View
from syncengine.planning.matching import closest, created_then, holding, match_and_create
from syncengine.planning.meetings import marked_again
from syncengine.planning.series import place_occurrences
from syncengine.policy import SyncSettings
from syncengine.state import (
    MappingState,
    detached_side,
    is_pending,
    mapping_id,
    side_hashes,
)
from syncengine.stores.base import ChangePage, Item, Kind, Side


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
    views: dict[Side, View] = {}
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
        views[side] = View(side, items, page_ids, deleted, page.full)
    b = Builder(kind, settings, views)
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
        elif gone == "mailbox" and marked_again(settings, views["mailbox"], m):
            regular.append(replace(m, status="synced", gone=None))  # row S5
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
        want = side_hashes(p, "salesforce")
        free = [sf_view.items[i] for i in sorted(sf_view.page_ids - linked["salesforce"])]
        if p.mailbox_id in mb_view.deleted or (pm_item is None and mb_view.full):
            # Row U5e: the create may have landed before the user deleted its source; a record
            # holding what was written is that create, linked so that the deletion reaches it
            # (rows D) instead of it coming back to the mailbox as new. Only a close match
            # counts here: a wrong one would delete a record the user made.
            landed = holding(kind, free, want)
            if landed is not None:
                linked["salesforce"].add(landed.id)
                linked["mailbox"].add(p.mailbox_id)
                mb_view.deleted.add(p.mailbox_id)
                b.pair(
                    MappingState(landed.id, p.mailbox_id, "", p.mailbox_version, dict(p.hashes)),
                    save=True,
                )
                continue
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
        found = holding(kind, free, want) or closest(free, want)
        if found is None and p.since is not None:
            # Not a record another pending create recognisably made.
            others = [side_hashes(q, "salesforce") for q in pendings if q is not p]
            mine = [c for c in free if not any(holding(kind, [c], w) for w in others)]
            found = created_then(mine, p.since, want)
        if (
            found is None
            and pm_item is not None
            and (not settings.in_scope(pm_item.record) or settings.unselected(pm_item, "mailbox"))
        ):
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

    match_and_create(b, linked, survivors)
    return Plan(kind, place_occurrences(b.actions, views, mappings))
