"""The shared store contract, for the Graph contacts and events stores against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.convert import contact_to_graph, event_to_graph
from connections.providers.microsoft.stores.contacts import GraphContactStore
from connections.providers.microsoft.stores.events import GraphEventStore
from syncengine.records import Contact, Event
from syncengine.stores.base import Store
from tests.contract.store_contract import StoreContract
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


class TestGraphContactStore(StoreContract):
    @pytest.fixture
    def store(self, microsoft: Microsoft) -> GraphContactStore:
        self.ms = microsoft
        store = GraphContactStore(GraphClient(TENANT), USER)
        # As in a run, where reading changes comes first: the folder is found before any write.
        store.folder_id()
        return store

    def out_of_band_put(self, store: Store, record: Contact | Event) -> str:
        assert isinstance(store, GraphContactStore) and isinstance(record, Contact)
        folder = store.folder_id()
        return self.ms.emulator.add_contact(USER, contact_to_graph(record), folder)

    def out_of_band_edit(self, store: Store, item_id: str, record: Contact | Event) -> None:
        assert isinstance(record, Contact)
        box = self.ms.emulator.mailbox(USER)
        item = box.contacts[item_id]
        item.data.update(contact_to_graph(record))
        item.change_key = self.ms.emulator.directory.make.change_key()

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        del self.ms.emulator.mailbox(USER).contacts[item_id]

    def expire_cursor(self, store: Store) -> None:
        self.ms.emulator.expire_cursors()


class TestGraphEventStore(StoreContract):
    @pytest.fixture
    def store(self, microsoft: Microsoft) -> GraphEventStore:
        self.ms = microsoft
        return GraphEventStore(GraphClient(TENANT), USER, *WINDOW, invitations=False)

    def out_of_band_put(self, store: Store, record: Contact | Event) -> str:
        assert isinstance(record, Event)
        return self.ms.emulator.add_event(USER, event_to_graph(record, invitations=False))

    def out_of_band_edit(self, store: Store, item_id: str, record: Contact | Event) -> None:
        assert isinstance(record, Event)
        from sandbox.microsoft.eventdata import apply

        item = self.ms.emulator.mailbox(USER).events[item_id]
        apply(item.data, event_to_graph(record, invitations=False))
        item.change_key = self.ms.emulator.directory.make.change_key()

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        del self.ms.emulator.mailbox(USER).events[item_id]

    def expire_cursor(self, store: Store) -> None:
        self.ms.emulator.expire_cursors()
