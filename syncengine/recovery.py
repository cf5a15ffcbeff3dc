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

from syncengine.state import MappingState, is_pending
from syncengine.stores.base import ChangePage, Item, Store


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
