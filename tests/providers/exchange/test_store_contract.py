"""The shared store contract, for the Exchange contacts and events stores against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from exchangelib import CalendarItem
from exchangelib import Contact as EwsContact
from exchangelib.folders import Calendar, Folder, Root

from connections.providers.exchange.convert import fill_contact, fill_event
from connections.providers.exchange.stores import ExchangeContactStore, ExchangeEventStore
from syncengine.records import Contact, Event
from syncengine.stores.base import Store
from tests.contract.store_contract import StoreContract
from tests.providers.exchange.conftest import USER, Exchange

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


class OutOfBand:
    """What a user does in Outlook: exchangelib on its own, as that user."""

    ex: Exchange

    def out_of_band_edit(self, store: Store, item_id: str, record: Contact | Event) -> None:
        account = self.ex.as_user()
        (item,) = account.fetch(ids=[(item_id, None)])
        if isinstance(record, Contact):
            fill_contact(item, record)
        else:
            fill_event(item, record)
        item.save()

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        account = self.ex.as_user()
        (item,) = account.fetch(ids=[(item_id, None)])
        item.delete()

    def expire_cursor(self, store: Store) -> None:
        self.ex.emulator.expire_cursors()


class TestExchangeContactStore(OutOfBand, StoreContract):
    @pytest.fixture
    def store(self, exchange: Exchange) -> ExchangeContactStore:
        self.ex = exchange
        store = ExchangeContactStore(exchange.client(), USER)
        # As in a run, where reading changes comes first: the folder is found before any write.
        store.folder_id()
        return store

    def out_of_band_put(self, store: Store, record: Contact | Event) -> str:
        assert isinstance(store, ExchangeContactStore) and isinstance(record, Contact)
        account = self.ex.as_user()
        folder = Folder(root=Root(account=account), id=store.folder_id())
        item = fill_contact(EwsContact(account=account, folder=folder), record)
        item.save()
        return str(item.id)


class TestExchangeEventStore(OutOfBand, StoreContract):
    @pytest.fixture
    def store(self, exchange: Exchange) -> ExchangeEventStore:
        self.ex = exchange
        store = ExchangeEventStore(exchange.client(), USER, *WINDOW, invitations=False)
        # As in a run, where reading changes comes first (the server's version is known then).
        store.changes(None)
        return store

    def out_of_band_put(self, store: Store, record: Contact | Event) -> str:
        assert isinstance(record, Event)
        account = self.ex.as_user()
        folder = Calendar(root=Root(account=account))
        item = fill_event(CalendarItem(account=account, folder=folder), record)
        item.save(send_meeting_invitations="SendToNone")
        return str(item.id)
