"""The real path: the HTTP seam, TLS with the sandbox's private CA (while REQUESTS_CA_BUNDLE points
elsewhere, gotcha #3), the JWT exchange on a non-salesforce.com host with a port (gotcha #4) and
simple-salesforce's REST calls, against the emulator served over HTTPS on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest

from connections.models import SalesforceConnection
from connections.providers.salesforce.checks import run_checks
from connections.providers.salesforce.client import clear_token_cache
from connections.providers.salesforce.stores import build_store
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import make_certificate
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact
from syncengine.stores.base import Create

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SalesforceEmulator]:
    ca, cert, key = ensure_certificates(tmp_path)
    emulator = SalesforceEmulator()
    server, _thread = serve(emulator, "127.0.0.1", 0, cert, key)
    settings.LSYNC_CA_BUNDLE = str(ca)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    private_key, certificate = make_certificate()
    emulator.register_connected_app("3MVG9https", certificate)
    SalesforceConnection.objects.create(
        pk=1,
        login_url=f"https://127.0.0.1:{server.server_address[1]}",
        consumer_key="3MVG9https",
        private_key=private_key,
    )
    clear_token_cache()
    try:
        yield emulator
    finally:
        server.shutdown()
        clear_token_cache()


def test_checks_and_a_store_work_over_https_with_the_private_ca(
    served: SalesforceEmulator,
) -> None:
    user_id = served.add_user("ana@example.com", "ana@example.com")
    user = SyncUser.objects.create(
        configuration=SyncConfiguration.objects.create(name="Default"),
        salesforce_user_id=user_id,
        username="ana@example.com",
        email="ana@example.com",
    )
    steps = run_checks("ana@example.com")
    assert all(s.ok for s in steps), steps
    store = build_store(user, "contacts")
    (result,) = store.apply([Create("r", Contact.normalized(last_name="Over TLS"))])
    assert result.ok
    assert [it.id for it in store.changes(None).changed] == [result.id]
