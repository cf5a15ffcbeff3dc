"""SideSuddenlyEmpty looks at what a side lists, not at what the plan does with it: every linked
item reported gone at once trips it even when the plan would only unlink them."""

from __future__ import annotations

from syncengine.engine import run_sync
from syncengine.guards import PERCENT_FLOOR, SideSuddenlyEmpty
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.state import MemoryRepo
from syncengine.stores.memory import MemoryStore


def _synced(n: int) -> tuple[MemoryStore, MemoryStore, MemoryRepo, SyncSettings]:
    sf, mb = MemoryStore("salesforce", "contacts"), MemoryStore("mailbox", "contacts")
    for i in range(n):
        sf.put(Contact.normalized(first_name=f"A{i}", last_name="B", emails=[f"a{i}@x.com"]))
    repo, settings = MemoryRepo(), SyncSettings(mass_delete_percent=100, mass_delete_count=1000)
    assert run_sync(sf, mb, repo, settings).status == "ok"
    return sf, mb, repo, settings


def test_every_linked_contact_gone_from_the_mailbox_at_once_trips_the_guard() -> None:
    sf, mb, repo, settings = _synced(PERCENT_FLOOR)
    for item_id in list(mb.records()):
        mb.remove(item_id)  # for contacts the plan only unlinks: no deletion in Salesforce
    before = dict(repo.mappings)
    result = run_sync(sf, mb, repo, settings)
    assert isinstance(result.guard, SideSuddenlyEmpty) and result.guard.side == "mailbox"
    assert dict(repo.mappings) == before and len(sf) == PERCENT_FLOOR


def test_a_few_linked_items_going_is_an_ordinary_change() -> None:
    sf, mb, repo, settings = _synced(PERCENT_FLOOR - 1)
    for item_id in list(mb.records()):
        mb.remove(item_id)
    assert run_sync(sf, mb, repo, settings).status == "ok"


def test_a_full_listing_without_any_linked_item_trips_the_guard() -> None:
    sf, mb, repo, settings = _synced(PERCENT_FLOOR)
    for item_id in list(mb.records()):
        mb.remove(item_id)
    mb.put(Contact.normalized(first_name="New", last_name="One", emails=["new@x.com"]))
    mb.expire_cursors()
    assert isinstance(run_sync(sf, mb, repo, settings).guard, SideSuddenlyEmpty)


def test_a_full_listing_with_only_new_items_after_a_few_deletions_is_an_ordinary_change() -> None:
    sf, mb, repo, settings = _synced(2)
    for item_id in list(mb.records()):
        mb.remove(item_id)
    mb.put(Contact.normalized(first_name="New", last_name="One", emails=["new@x.com"]))
    mb.expire_cursors()
    assert run_sync(sf, mb, repo, settings).status == "ok"
