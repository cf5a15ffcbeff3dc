"""MemoryStore passes the store contract, on both sides and for both kinds."""

from __future__ import annotations

import pytest

from syncengine.records import Contact
from syncengine.state import MappingState, MemoryRepo
from syncengine.stores.base import Create, RateLimited, Rejected, Store
from syncengine.stores.memory import MemoryStore, SimulatedCrash
from tests.contract.store_contract import Record, StoreContract


class MemoryHooks(StoreContract):
    def out_of_band_put(self, store: Store, record: Record) -> str:
        assert isinstance(store, MemoryStore)
        return store.put(record)

    def out_of_band_edit(self, store: Store, item_id: str, record: Record) -> None:
        assert isinstance(store, MemoryStore)
        store.edit(item_id, record)

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        assert isinstance(store, MemoryStore)
        store.remove(item_id)

    def expire_cursor(self, store: Store) -> None:
        assert isinstance(store, MemoryStore)
        store.expire_cursors()


class TestMemoryStoreContacts(MemoryHooks):
    @pytest.fixture(params=["salesforce", "mailbox"])
    def store(self, request: pytest.FixtureRequest) -> MemoryStore:
        return MemoryStore(request.param, "contacts", max_batch=20)


class TestMemoryStoreEvents(MemoryHooks):
    @pytest.fixture(params=["salesforce", "mailbox"])
    def store(self, request: pytest.FixtureRequest) -> MemoryStore:
        return MemoryStore(request.param, "events", max_batch=20)


# ---------------------------------------------------------------------- MemoryStore's own faults


def _contact(n: int) -> Contact:
    return Contact.normalized(first_name=f"A{n}", last_name="B", emails=[f"a{n}@x.com"])


def test_throttling_refuses_the_call_before_doing_anything() -> None:
    store = MemoryStore("mailbox", "contacts")
    store.throttle(2, retry_after=9)
    for _ in range(2):
        with pytest.raises(RateLimited) as caught:
            store.apply([Create("r", _contact(1))])
        assert caught.value.retry_after == 9
    assert len(store) == 0 and store.api_calls == 0
    assert store.apply([Create("r", _contact(1))])[0].ok


def test_a_crash_writes_the_batch_then_raises() -> None:
    store = MemoryStore("mailbox", "contacts")
    store.crash_after_write()
    with pytest.raises(SimulatedCrash):
        store.apply([Create("r", _contact(1), marker="003X"), Create("s", _contact(2))])
    assert len(store) == 2
    assert store.find([("marker", "003X")]) == {
        ("marker", "003X"): next(iter(sorted(store.records())))
    }


def test_reset_faults_disarms_what_has_not_fired() -> None:
    store = MemoryStore("salesforce", "contacts")
    store.throttle(3)
    store.crash_after_write(2)
    store.reset_faults()
    assert store.apply([Create("r", _contact(1))])[0].ok


def test_a_rewrite_moves_the_version_but_not_the_content() -> None:
    store = MemoryStore("mailbox", "contacts")
    item_id = store.put(_contact(1))
    before = store.item(item_id)
    store.rewrite(item_id)
    after = store.item(item_id)
    assert after.version != before.version and after.record == before.record
    assert after.modified and before.modified and after.modified > before.modified


def test_a_validator_rejects_records_the_side_refuses() -> None:
    store = MemoryStore(
        "salesforce", "contacts", validator=lambda r: "no" if not r.emails else None
    )  # type: ignore[union-attr]
    ok, bad = store.apply(
        [Create("a", _contact(1)), Create("b", Contact.normalized(last_name="X"))]
    )
    assert ok.ok and not bad.ok and isinstance(bad.error, Rejected) and bad.error.permanent


def test_out_of_band_changes_are_not_api_calls_and_oversized_batches_are_a_bug() -> None:
    store = MemoryStore("mailbox", "contacts", max_batch=2)
    store.put(_contact(1))
    assert store.api_calls == 0
    with pytest.raises(ValueError, match="max_batch"):
        store.apply([Create(str(n), _contact(n)) for n in range(3)])


def test_memory_repo_keeps_one_mapping_per_id_on_each_side() -> None:
    repo = MemoryRepo()
    repo.upsert(MappingState("003A", "M1", "v1", "w1", {}))
    repo.upsert(MappingState("003B", "M1", "v1", "w1", {}))  # M1 now pairs with 003B
    assert [(m.salesforce_id, m.mailbox_id) for m in repo.load()] == [("003B", "M1")]
    repo.remove(None, "M1")
    assert repo.load() == []
