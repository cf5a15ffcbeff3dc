"""The Google contacts and events stores pass the shared store contract against the emulator.
Out-of-band changes go through the emulator's own API (a user editing in Google)."""

from __future__ import annotations

import pytest

from connections.providers.google import convert
from connections.providers.google.stores.contacts import GoogleContactsStore
from connections.providers.google.stores.events import GoogleEventsStore
from syncengine.records import Contact, Event
from syncengine.stores.base import Store
from tests.contract.store_contract import Record, StoreContract
from tests.providers.google.conftest import USER, GoogleRig


class GoogleHooks(StoreContract):
    rig: GoogleRig

    def out_of_band_put(self, store: Store, record: Record) -> str:
        emu = self.rig.emu
        if isinstance(record, Contact):
            assert isinstance(store, GoogleContactsStore)
            person = convert.new_person(record, store.group(), None)
            return str(emu.add_contact(USER, person)["resourceName"])
        assert isinstance(record, Event)
        return str(emu.add_event(USER, convert.event_to_api(record))["id"])

    def out_of_band_edit(self, store: Store, item_id: str, record: Record) -> None:
        emu = self.rig.emu
        mailbox = emu.mailboxes[USER]
        with emu.lock:
            if isinstance(record, Contact):
                contact = mailbox.contacts[item_id]
                for name, value in convert.person_from_contact(record).items():
                    if value:
                        contact.fields[name] = value
                    else:
                        contact.fields.pop(name, None)
                emu.touch(mailbox, contact)
            else:
                assert isinstance(record, Event)
                data = dict(mailbox.events[item_id].data)
                data.update(convert.event_to_api(record))
                emu.save_event(mailbox, data)

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        emu = self.rig.emu
        mailbox = emu.mailboxes[USER]
        with emu.lock:
            if store.kind == "contacts":
                contact = mailbox.contacts[item_id]
                contact.deleted = True
                emu.touch(mailbox, contact)
            else:
                emu.save_event(mailbox, dict(mailbox.events[item_id].data, status="cancelled"))

    def expire_cursor(self, store: Store) -> None:
        self.rig.emu.expire_cursors()


class TestGoogleContactsStore(GoogleHooks):
    @pytest.fixture
    def store(self, google: GoogleRig) -> GoogleContactsStore:
        self.rig = google
        store = google.contacts()
        store.group()  # created up front, so the contract's call counting sees only its calls
        return store


class TestGoogleEventsStore(GoogleHooks):
    @pytest.fixture
    def store(self, google: GoogleRig) -> GoogleEventsStore:
        self.rig = google
        return google.events()
