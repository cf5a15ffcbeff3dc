"""A real Radicale server (sandbox/radicale.py) mounted in-process for the product's DAV client:
`connections.http.build_session` hands out sessions routed to it. The service account may act
for every user; Ana has signed in once, so her principal and default calendar exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from connections import http
from connections.providers.caldav.client import DavClient
from sandbox.inprocess import WSGIAdapter
from sandbox.radicale import FaultyRadicale, RadicaleServer

BASE = "https://dav.sandbox.test"
TEMPLATE = BASE + "/{email}/"
SERVICE, PASSWORD = "svc-lsync", "tests-only-dav-password"
USER, USER_PASSWORD = "ana.nunez@nordvik.example", "tests-only-ana-password"


@dataclass
class Dav:
    server: RadicaleServer

    def client(self, username: str = SERVICE, password: str = PASSWORD) -> DavClient:
        return DavClient(BASE + "/", username, password)

    def as_user(self) -> DavClient:
        """What another client does as the user herself (out of band)."""
        return self.client(USER, USER_PASSWORD)


def routed_session(app: Any) -> Any:
    def build_session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = http.USER_AGENT
        session.mount(BASE, WSGIAdapter(app))
        return session

    return build_session


@pytest.fixture
def dav(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dav]:
    server = RadicaleServer(tmp_path / "radicale", service=(SERVICE, PASSWORD))
    server.add_user(USER, USER_PASSWORD)
    monkeypatch.setattr(http, "build_session", routed_session(server.app))
    yield Dav(server)


def mount_radicale(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FaultyRadicale, dict[str, Any], Callable[[str], None]]:
    """Radicale (behind fault injection) next to the emulators the product's sessions reach;
    the columns of its connection row, and how to give a user an account on it."""
    server = RadicaleServer(folder / "radicale", service=(SERVICE, PASSWORD))
    app = FaultyRadicale(server)
    emulators = http.build_session

    def build_session() -> requests.Session:
        session = emulators()
        session.mount(BASE, WSGIAdapter(app))
        return session

    monkeypatch.setattr(http, "build_session", build_session)
    connection = {"method": "caldav", "username": SERVICE, "password": PASSWORD,
                  "dav_url_template": TEMPLATE}  # fmt: skip
    return app, connection, lambda email: server.add_user(email, USER_PASSWORD)


@pytest.fixture
def caldav_product(
    sandbox_product: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: None
) -> Dav:
    """Radicale next to the sandbox's emulators, and the product's CalDAV connection on it."""
    from connections.models import MailConnection, Status

    server = RadicaleServer(tmp_path / "radicale", service=(SERVICE, PASSWORD))
    server.add_user(USER, USER_PASSWORD)
    emulators = http.build_session

    def build_session() -> requests.Session:
        session = emulators()
        session.mount(BASE, WSGIAdapter(server.app))
        return session

    monkeypatch.setattr(http, "build_session", build_session)
    MailConnection.objects.create(
        method="caldav", username=SERVICE, password=PASSWORD, dav_url_template=TEMPLATE,
        additional_domains=["nordvik.example"], enabled=True, status=Status.VERIFIED,
    )  # fmt: skip
    return Dav(server)
