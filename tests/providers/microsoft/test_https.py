"""The Graph client over real HTTPS: msal and Graph calls both go through lsync's HTTP seam, trust
the configured private CA even though REQUESTS_CA_BUNDLE points elsewhere (gotcha #3), and msal
talks to a login host it does not know (gotcha #5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import certifi
import pytest

from connections.providers.microsoft import client
from connections.providers.microsoft.checks import run_checks
from connections.providers.microsoft.stores.contacts import GraphContactStore
from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from syncengine.records import Contact
from syncengine.stores.base import Create
from tests.providers.microsoft.conftest import CLIENT_ID, SECRET, TENANT, USER


def test_sync_and_checks_work_over_https_with_the_private_ca(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = ensure_certificates(tmp_path)
    emulator = MicrosoftEmulator(seed=5)
    emulator.register_app(CLIENT_ID, client_secret=SECRET)
    emulator.add_tenant(TENANT, ["nordvik.example"])
    emulator.grant_consent(TENANT, CLIENT_ID)
    emulator.add_mailbox(TENANT, USER, "Ana Núñez")
    server, _thread = serve(emulator, "127.0.0.1", 0, cert, key)
    try:
        base = f"https://localhost:{server.server_address[1]}"
        for name, value in MicrosoftEmulator.product_env(base).items():
            setattr(settings, name, value)
        settings.LSYNC_CA_BUNDLE = str(ca)
        settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
        settings.LSYNC_MICROSOFT_CLIENT_SECRET = SECRET
        settings.LSYNC_MICROSOFT_CERT_PATH = ""
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
        monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
        client.forget_tokens()
        assert all(step.ok for step in run_checks(USER, tenant_id=TENANT))
        store = GraphContactStore(client.GraphClient(TENANT), USER)
        (made,) = store.apply([Create("a", Contact.normalized(last_name="Berg"), marker="003X")])
        assert made.ok
        (item,) = store.changes(None).changed
        assert (item.id, item.marker, item.record.last_name) == (made.id, "003X", "Berg")
        paths = [path for _method, path, _status in emulator.request_log]
        assert f"/{TENANT}/v2.0/.well-known/openid-configuration" in paths
        assert f"/{TENANT}/oauth2/v2.0/token" in paths
    finally:
        server.shutdown()
        client.forget_tokens()
