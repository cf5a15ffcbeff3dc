"""The shared store contract, for the CalDAV contacts and events stores against Radicale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from connections.providers.caldav import discovery
from connections.providers.caldav.convert import vcard_text
from connections.providers.caldav.convert_events import ical_text
from connections.providers.caldav.stores import DavContactStore, DavEventStore
from connections.providers.caldav.stores.base import DavCollectionStore
from syncengine.records import Contact, Event
from syncengine.stores.base import Store
from tests.contract.store_contract import StoreContract
from tests.providers.caldav.conftest import TEMPLATE, USER, Dav

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


class OutOfBand:
    """What another client does as the user: plain PUT and DELETE of its own texts."""

    dav: Dav

    def _text(self, record: Contact | Event, existing: str | None = None) -> str:
        uid = str(uuid.uuid4())
        if isinstance(record, Contact):
            return vcard_text(record, uid=uid, marker=None, existing=existing)
        return ical_text(record, uid=uid, marker=None, existing=existing, invitations=False)

    def out_of_band_put(self, store: Store, record: Contact | Event) -> str:
        assert isinstance(store, DavCollectionStore)
        path = f"{store.collection}{uuid.uuid4()}{store.suffix}"
        self.dav.as_user().put(path, self._text(record), store.content_type, if_match=None)
        return path

    def out_of_band_edit(self, store: Store, item_id: str, record: Contact | Event) -> None:
        assert isinstance(store, DavCollectionStore)
        client = self.dav.as_user()
        text, etag = client.get(item_id)
        client.put(item_id, self._text(record, text), store.content_type, if_match=etag)

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        self.dav.as_user().delete(item_id, if_match=None)

    def expire_cursor(self, store: Store) -> None:
        # Radicale answers an unchanged collection without looking its token up, so the
        # collection moves on (an item comes and goes) before its tokens are forgotten.
        assert isinstance(store, DavCollectionStore)
        sample = Contact.normalized(first_name="Gone") if store.kind == "contacts" else None
        record = sample or Event.normalized(subject="Gone", start=WINDOW[0])
        path = self.out_of_band_put(store, record)
        self.out_of_band_delete(store, path)
        self.dav.server.expire_sync_tokens()


class TestDavContactStore(OutOfBand, StoreContract):
    @pytest.fixture
    def store(self, dav: Dav) -> DavContactStore:
        self.dav = dav
        client = dav.client()
        homes = discovery.homes(client, discovery.principal_url(TEMPLATE, USER))
        return DavContactStore(client, discovery.address_book(client, homes.address_books))


class TestDavEventStore(OutOfBand, StoreContract):
    @pytest.fixture
    def store(self, dav: Dav) -> DavEventStore:
        self.dav = dav
        client = dav.client()
        homes = discovery.homes(client, discovery.principal_url(TEMPLATE, USER))
        calendar = discovery.default_calendar(client, homes.calendars)
        return DavEventStore(client, calendar, *WINDOW)
