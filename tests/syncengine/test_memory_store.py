"""MemoryStore passes the store contract, on both sides and for both kinds."""

from __future__ import annotations

import pytest

from syncengine.stores.base import Store
from syncengine.stores.memory import MemoryStore
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
