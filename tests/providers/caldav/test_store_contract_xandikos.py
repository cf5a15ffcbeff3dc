"""The shared store contract once more, against a second real server: Xandikos (git-backed,
single-user), mounted in-process. Catches what one server's leniency would hide."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from xandikos.web import SingleUserFilesystemBackend, XandikosApp

from connections import http
from connections.providers.caldav import discovery
from connections.providers.caldav.client import DavClient
from connections.providers.caldav.convert import vcard_text
from connections.providers.caldav.convert_events import ical_text
from connections.providers.caldav.stores import DavContactStore, DavEventStore
from connections.providers.caldav.stores.base import DavCollectionStore
from sandbox.inprocess import WSGIAdapter
from syncengine.records import Contact, Event
from syncengine.stores.base import Store
from tests.contract.store_contract import StoreContract

BASE, PRINCIPAL = "https://xandikos.sandbox.test", "/ana/"
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


@pytest.fixture
def xandikos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DavClient]:
    backend = SingleUserFilesystemBackend(str(tmp_path))
    backend._mark_as_principal(PRINCIPAL)
    backend.create_principal(PRINCIPAL, create_defaults=True)
    app = XandikosApp(backend, current_user_principal=PRINCIPAL)

    def plain(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # the in-process adapter does not decompress
        # Xandikos answers through asyncio.run(), which refuses to start in a thread whose event
        # loop is running (as the main thread's is after the browser tests): its own thread.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(lambda: list(app(environ, start_response))).result()

    def build_session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.mount(BASE, WSGIAdapter(plain))
        return session

    monkeypatch.setattr(http, "build_session", build_session)
    yield DavClient(BASE + "/", "ana", "unused")  # Xandikos serves one user, unauthenticated


class OutOfBand:
    client: DavClient

    def _text(self, record: Contact | Event, existing: str | None = None) -> str:
        uid = str(uuid.uuid4())
        if isinstance(record, Contact):
            return vcard_text(record, uid=uid, marker=None, existing=existing)
        return ical_text(record, uid=uid, marker=None, existing=existing, invitations=False)

    def out_of_band_put(self, store: Store, record: Contact | Event) -> str:
        assert isinstance(store, DavCollectionStore)
        path = f"{store.collection}{uuid.uuid4()}{store.suffix}"
        self.client.put(path, self._text(record), store.content_type, if_match=None)
        return path

    def out_of_band_edit(self, store: Store, item_id: str, record: Contact | Event) -> None:
        assert isinstance(store, DavCollectionStore)
        text, etag = self.client.get(item_id)
        self.client.put(item_id, self._text(record, text), store.content_type, if_match=etag)

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        self.client.delete(item_id, if_match=None)

    def test_an_expired_cursor_raises_cursor_expired_and_a_full_listing_still_works(
        self, store: Store
    ) -> None:
        pytest.skip("Xandikos's sync tokens are git commits: it cannot be made to forget one")


class TestXandikosContactStore(OutOfBand, StoreContract):
    @pytest.fixture
    def store(self, xandikos: DavClient) -> DavContactStore:
        self.client = DavClient(BASE + "/", "ana", "unused")
        homes = discovery.homes(xandikos, BASE + PRINCIPAL)
        return DavContactStore(xandikos, discovery.address_book(xandikos, homes.address_books))


class TestXandikosEventStore(OutOfBand, StoreContract):
    @pytest.fixture
    def store(self, xandikos: DavClient) -> DavEventStore:
        self.client = DavClient(BASE + "/", "ana", "unused")
        homes = discovery.homes(xandikos, BASE + PRINCIPAL)
        calendar = discovery.default_calendar(xandikos, homes.calendars)
        return DavEventStore(xandikos, calendar, *WINDOW)
