"""A copy lsync created in the mailbox by a run that stopped before recording it (the worker was
killed after the server applied the create), deleted by the user before the next run: decision
table U5c.

The pending row says a create was under way, not whether it landed, and a change feed need not
report the deletion of an item created after its cursor, so the next run would create the copy
again: the user's deletion undone. A mailbox store that can see deleted items by their marker
(Calendar lists cancelled events with `showDeleted`) offers `deleted_copies`; a copy found there
turns the pending row into a link to that copy, reported deleted, and the planner treats it as any
linked item deleted in the mailbox (rows D). Stores without it (Graph has no way to list what the
user deleted) leave the row as it is: the known limit in docs/decision-table.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from syncengine.planning.actions import hashes_of
from syncengine.planning.matching import holding, same_keys
from syncengine.state import MappingState, is_pending, side_hashes
from syncengine.stores.base import ChangePage, Item, Kind, Store


def landed_and_deleted(
    store: Store,
    page: ChangePage,
    known: dict[str, Item],
    mappings: Sequence[MappingState],
) -> tuple[list[MappingState], ChangePage]:
    """`mappings` with each such pending row linked to its deleted copy, and `page` reporting
    that copy deleted."""
    awaiting = [m for m in mappings if is_pending(m) and not m.mailbox_id]
    look: Callable[[Sequence[str]], dict[str, str]] | None = getattr(store, "deleted_copies", None)
    if not awaiting or look is None:
        return list(mappings), page
    live = {it.marker for it in [*page.changed, *known.values()] if it.marker}
    ask = sorted(m.salesforce_id for m in awaiting if m.salesforce_id not in live)
    found = look(ask) if ask else {}
    if not found:
        return list(mappings), page
    out = [
        replace(m, mailbox_id=found[m.salesforce_id], status="synced")
        if is_pending(m) and not m.mailbox_id and m.salesforce_id in found
        else m
        for m in mappings
    ]
    gone = [i for i in found.values() if i not in page.deleted]
    return out, ChangePage(page.changed, [*page.deleted, *gone], page.cursor, page.full)


def created_and_deleted(
    store: Store,
    page: ChangePage,
    mappings: Sequence[MappingState],
) -> list[MappingState]:
    """Row U5d, the Salesforce side of U5c: a Salesforce create whose answer was lost (the
    connection dropped after Salesforce applied it, or the worker was killed), then the record
    deleted by the user before the next run. The pending row names the mailbox item only, and
    the next run looks for the record among live ones: finding none, it would create it again.
    A Salesforce store offering `deleted_items` shows the records this page reports deleted that
    no mapping holds; one holding what the pending row wrote becomes that row's Salesforce item,
    deleted there, and the planner treats the pair as any linked pair whose Salesforce item was
    deleted (rows D). A record created and deleted before a full listing is not reported
    deleted: that window stays (docs/decision-table.md)."""
    waiting = [m for m in mappings if is_pending(m) and m.mailbox_id and not m.salesforce_id]
    look: Callable[[Sequence[str]], dict[str, Item]] | None = getattr(store, "deleted_items", None)
    held = {m.salesforce_id for m in mappings if m.salesforce_id}
    unknown = sorted(set(page.deleted) - held)
    if not waiting or not unknown or look is None:
        return list(mappings)
    gone = list(look(unknown).values())
    live = [it for it in page.changed if it.id not in held]
    linked: dict[str, str] = {}  # pending mailbox id -> deleted Salesforce id
    for m in waiting:
        want = side_hashes(m, "salesforce")
        if any(_same(store.kind, hashes_of(it.record), want) for it in live):
            continue  # a live record holds it: the planner links that one (row U5)
        free = [it for it in gone if it.id not in linked.values()]
        found = holding(store.kind, free, want)
        if found is not None:
            linked[m.mailbox_id] = found.id
    return [
        replace(m, salesforce_id=linked[m.mailbox_id], status="synced")
        if is_pending(m) and not m.salesforce_id and m.mailbox_id in linked
        else m
        for m in mappings
    ]


def _same(kind: Kind, have: dict[str, str], want: dict[str, str]) -> bool:
    return have == want or same_keys(kind, have, want)
