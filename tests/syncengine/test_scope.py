"""A run reads the mappings of the items it has in hand, not every mapping of the user
(syncengine/scope.py); after a full listing it still reads them all."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from syncengine.engine import run_sync
from syncengine.state import MappingState, MemoryRepo
from syncengine.stores.base import Side
from syncengine.stores.memory import MemoryStore
from tests.syncengine.test_engine import S, contact, converge, pair


class ReadsCounted(MemoryRepo):
    """The memory repo, noting which mappings each run asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.full_loads = 0
        self.asked: dict[Side, set[str]] = {"salesforce": set(), "mailbox": set()}

    def load(self) -> list[MappingState]:
        self.full_loads += 1
        return super().load()

    def load_for(self, ids: Mapping[Side, Collection[str]]) -> list[MappingState]:
        for side, wanted in ids.items():
            self.asked[side] |= set(wanted)
        return super().load_for(ids)

    def forget_reads(self) -> None:
        self.full_loads = 0
        self.asked = {"salesforce": set(), "mailbox": set()}


def synced(n: int) -> tuple[MemoryStore, MemoryStore, ReadsCounted]:
    sf, mb, _ = pair()
    repo = ReadsCounted()
    for i in range(n):
        sf.put(contact(i))
    converge(sf, mb, repo)
    repo.forget_reads()
    return sf, mb, repo


def test_a_run_with_no_changes_reads_no_mapping() -> None:
    sf, mb, repo = synced(30)
    result = run_sync(sf, mb, repo, S)
    assert result.status == "ok" and not result.plan.describe()  # type: ignore[union-attr]
    assert repo.full_loads == 0
    assert repo.asked == {"salesforce": set(), "mailbox": set()}


def test_a_run_reads_the_mappings_of_the_items_it_read_only() -> None:
    sf, mb, repo = synced(30)
    edited = sorted(sf.records())[3]
    sf.edit(edited, contact(3, title="CEO"))
    result = run_sync(sf, mb, repo, S)
    assert result.counts.get("updated_mailbox") == 1
    assert repo.full_loads == 0 and repo.asked["salesforce"] == {edited}


def test_a_full_listing_reads_every_mapping_and_still_finds_a_deletion() -> None:
    sf, mb, repo = synced(10)
    gone = sorted(mb.records())[0]
    mb.remove(gone)
    repo.save_cursors({"salesforce": None, "mailbox": None})
    result = run_sync(sf, mb, repo, S)
    assert repo.full_loads == 1
    assert result.counts.get("unlinked") == 1  # contacts are never deleted in Salesforce (D2)
    assert len(sf.records()) == 10


def test_a_change_feed_reporting_every_linked_item_gone_still_trips_the_guard() -> None:
    sf, mb, repo = synced(10)
    for item_id in list(mb.records()):
        mb.remove(item_id)
    result = run_sync(sf, mb, repo, S)
    assert result.status == "guard" and repo.full_loads == 0
    assert len(sf.records()) == 10
