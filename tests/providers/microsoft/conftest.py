"""The Microsoft emulator mounted in-process, with lsync's app registered and consented."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from connections import http
from connections.providers.microsoft import client
from sandbox.inprocess import mount
from sandbox.microsoft.app import MicrosoftEmulator

TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SECRET = "tests-only-client-secret"
USER = "ana.nunez@nordvik.example"


@dataclass
class Microsoft:
    emulator: MicrosoftEmulator
    session: requests.Session
    waits: list[float]

    def invitations(self) -> list[str]:
        return [f"{i.kind}:{i.attendee}" for i in self.emulator.invitations(USER)]


@pytest.fixture
def microsoft(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Microsoft]:
    emulator = MicrosoftEmulator(seed=3)
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"microsoft": emulator})["microsoft"]
    for key, value in MicrosoftEmulator.product_env(base).items():
        setattr(settings, key, value)
    settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = SECRET
    settings.LSYNC_MICROSOFT_CERT_PATH = ""
    settings.LSYNC_MICROSOFT_CERT_THUMBPRINT = ""
    emulator.register_app(CLIENT_ID, client_secret=SECRET)
    emulator.add_tenant(TENANT, ["nordvik.example"])
    emulator.grant_consent(TENANT, CLIENT_ID)
    emulator.add_mailbox(TENANT, USER, "Ana Núñez")
    monkeypatch.setattr(http, "build_session", lambda: session)
    waits: list[float] = []
    monkeypatch.setattr(client, "sleep", waits.append)
    client.forget_tokens()
    yield Microsoft(emulator, session, waits)
    client.forget_tokens()
