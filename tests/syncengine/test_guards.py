"""Guards refuse plans that look like accidents (rows G1-G4 of docs/decision-table.md)."""

from __future__ import annotations

import pytest

from syncengine.engine import run_sync
from syncengine.guards import MassDeleteAboveThreshold, SideSuddenlyEmpty
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.state import MemoryRepo
from syncengine.stores.memory import MemoryStore


def contact(n: int) -> Contact:
    return Contact.normalized(first_name=f"A{n}", last_name="B", emails=[f"a{n}@x.com"])


def synced(n: int, **settings: object) -> tuple[MemoryStore, MemoryStore, MemoryRepo, SyncSettings]:
    sf, mb = MemoryStore("salesforce", "contacts"), MemoryStore("mailbox", "contacts")
    for i in range(n):
        sf.put(contact(i))
    repo, s = MemoryRepo(), SyncSettings(**settings)  # type: ignore[arg-type]
    assert run_sync(sf, mb, repo, s).status == "ok"
    assert len(mb) == n
    return sf, mb, repo, s


def test_g1_a_side_listing_nothing_in_full_stops_the_run_and_changes_nothing() -> None:
    sf, mb, repo, s = synced(3)
    for item_id in list(sf.records()):
        sf.remove(item_id)
    sf.expire_cursors()  # the next read is a full listing
    before = (mb.records(), dict(repo.mappings), dict(repo.cursors))
    result = run_sync(sf, mb, repo, s)
    assert result.status == "guard" and isinstance(result.guard, SideSuddenlyEmpty)
    assert result.guard.side == "salesforce"
    assert (mb.records(), dict(repo.mappings), dict(repo.cursors)) == before
    (issue,) = result.issues
    assert issue.code == "guard_empty_side" and "listed no contacts" in issue.message


def test_g2_more_deletions_than_the_absolute_limit_stop_the_run() -> None:
    sf, mb, repo, s = synced(10, mass_delete_count=3, mass_delete_percent=100)
    for item_id in list(sf.records())[:4]:
        sf.remove(item_id)
    result = run_sync(sf, mb, repo, s)
    assert isinstance(result.guard, MassDeleteAboveThreshold)
    assert len(mb) == 10 and result.counts == {}
    assert "delete 4 contacts in the mailbox" in result.guard.message


def test_g3_a_share_above_the_percentage_stops_the_run() -> None:
    sf, mb, repo, s = synced(10, mass_delete_percent=40)
    for item_id in list(sf.records())[:5]:
        sf.remove(item_id)
    result = run_sync(sf, mb, repo, s)
    assert isinstance(result.guard, MassDeleteAboveThreshold) and len(mb) == 10


def test_g3_below_the_floor_only_the_absolute_limit_applies() -> None:
    sf, mb, repo, s = synced(2, mass_delete_percent=10)
    sf.remove(next(iter(sf.records())))
    result = run_sync(sf, mb, repo, s)
    assert result.status == "ok" and len(mb) == 1


@pytest.mark.parametrize("emptied", [False, True])
def test_g4_approval_lets_one_run_through(emptied: bool) -> None:
    sf, mb, repo, s = synced(6, mass_delete_count=2)
    for item_id in list(sf.records())[: 6 if emptied else 4]:
        sf.remove(item_id)
    if emptied:
        sf.expire_cursors()
    assert run_sync(sf, mb, repo, s).status == "guard"
    result = run_sync(sf, mb, repo, s, approve_guard=True)
    assert result.status == "ok" and result.guard is None
    assert len(mb) == (0 if emptied else 2)
    assert run_sync(sf, mb, repo, s).status == "ok"


def test_a_first_sync_of_an_empty_side_is_not_refused() -> None:
    sf, mb = MemoryStore("salesforce", "contacts"), MemoryStore("mailbox", "contacts")
    result = run_sync(sf, mb, MemoryRepo(), SyncSettings())
    assert result.status == "ok"
