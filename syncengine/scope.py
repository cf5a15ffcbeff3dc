"""The mappings one run reads: those of the items it has in hand, not every mapping of the user.

A run whose listing is full needs them all (a mapped item missing from it is gone), so it loads
them all. Any other run loads, by id and in chunks, the mappings of the items on its pages and
of the items it fetches, of the Salesforce ids their markers name, and the rows a run settles
whatever its pages hold (pending rows, links missing a version). The planner decides nothing for
a mapping whose items are not in hand (`Builder.pair` returns early), so it plans the same from
these as from all of them; the guards ask the repo how many pairs are linked. A run with no
changes reads no mapping at all but the unsettled ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from syncengine.planning.actions import SIDES
from syncengine.state import MappingRepo, MappingState
from syncengine.stores.base import ChangePage, Item, Side


def _wanted(pages: dict[Side, Iterable[Item]]) -> dict[Side, set[str]]:
    ids = {s: {it.id for it in pages.get(s, ())} for s in SIDES}
    # A marker names the Salesforce item a mailbox item was copied from: the planner asks
    # whether that item is linked to another mailbox item.
    ids["salesforce"] |= {it.marker for it in pages.get("mailbox", ()) if it.marker}
    return ids


class Scope:
    """The mappings read so far in one run (`mappings`, grown by `cover`)."""

    def __init__(self, repo: MappingRepo, pages: dict[Side, ChangePage]) -> None:
        self._repo = repo
        self.complete = any(page.full for page in pages.values())
        self.mappings: list[MappingState] = []
        self._keys: set[tuple[str, str]] = set()
        self._asked: dict[Side, set[str]] = {s: set() for s in SIDES}
        if self.complete:
            self._add(repo.load())
            return
        self._add(repo.load_unsettled())
        ids = _wanted({s: pages[s].changed for s in SIDES})
        for s in SIDES:
            ids[s] |= set(pages[s].deleted)
        self.cover(ids)

    def _add(self, loaded: list[MappingState]) -> list[MappingState]:
        new = []
        for m in loaded:
            key = (m.salesforce_id, m.mailbox_id)
            if key not in self._keys:
                self._keys.add(key)
                new.append(m)
        self.mappings.extend(new)
        if not self.complete:
            self.mappings.sort(key=lambda m: m.seq)
        return new

    def cover(self, ids: dict[Side, set[str]]) -> list[MappingState]:
        """Loads the mappings of these ids not asked for yet; returns those new to the run."""
        if self.complete:
            return []
        ask = {s: ids.get(s, set()) - self._asked[s] - {""} for s in SIDES}
        if not any(ask.values()):
            return []
        for s in SIDES:
            self._asked[s] |= ask[s]
        return self._add(self._repo.load_for(ask))

    def cover_items(self, items: dict[Side, Iterable[Item]]) -> list[MappingState]:
        return self.cover(_wanted(items))

    def linked_total(self) -> int | None:
        """How many pairs are linked, where `mappings` does not hold them all (else None)."""
        return None if self.complete else self._repo.count_linked()
