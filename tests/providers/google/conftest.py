"""The Google emulator mounted in-process, a registered service account with domain-wide
delegation, and lsync's settings and HTTP seam pointed at it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connections import http
from connections.providers.google.client import SCOPES, GoogleClient, clear_credentials_cache
from connections.providers.google.stores.contacts import GoogleContactsStore
from connections.providers.google.stores.events import GoogleEventsStore
from sandbox.google.app import GoogleEmulator
from sandbox.google.keys import generate_service_account_key
from sandbox.inprocess import BASE_URLS, WSGIAdapter

BASE = BASE_URLS["google"]
USER = "ana@example.com"
OTHER = "bo@example.com"
WIDE = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC))


@functools.cache
def service_account_key() -> tuple[dict[str, str], str]:
    # One RSA key for the whole run: generating one takes longer than most tests.
    return generate_service_account_key(BASE + "/token")


class GoogleRig:
    def __init__(self) -> None:
        self.emu = GoogleEmulator(seed=1)
        self.info, public = service_account_key()
        self.client_id = self.emu.register_service_account(
            self.info["client_email"],
            self.info["private_key_id"],
            public,
            client_id=self.info["client_id"],
        )
        self.emu.grant_delegation(self.client_id, SCOPES)
        self.emu.add_user(USER, "Ana", "Núñez", "Europe/Oslo")
        self.emu.add_user(OTHER, "Bo", "Berg", "UTC")
        self.sessions: list[requests.Session] = []

    def client(self, user: str = USER) -> GoogleClient:
        return GoogleClient(self.info, user)

    def contacts(self, user: str = USER) -> GoogleContactsStore:
        return GoogleContactsStore(self.client(user))

    def events(self, user: str = USER, **options: Any) -> GoogleEventsStore:
        options.setdefault("window", WIDE)
        return GoogleEventsStore(self.client(user), user, **options)

    def write_calls(self) -> int:
        """Requests that may change something (token requests aside)."""
        log = self.emu.request_log
        return sum(1 for method, path, _ in log if method != "GET" and path != "/token")


@pytest.fixture
def google(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleRig]:
    rig = GoogleRig()
    for name, value in GoogleEmulator.product_env(BASE).items():
        setattr(settings, name, value)
    real = http.build_session

    def build_session() -> requests.Session:
        session = real()
        session.mount(BASE, WSGIAdapter(rig.emu))
        return session

    monkeypatch.setattr(http, "build_session", build_session)
    clear_credentials_cache()
    yield rig
    clear_credentials_cache()


def soon(days: int = 3, hour: int = 9) -> datetime:
    """A time inside the default event window."""
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return base.replace(hour=hour) + timedelta(days=days)
