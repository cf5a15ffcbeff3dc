"""Shared fixtures for the provider tests (keep the names stable: every provider uses them).

- `sandbox_product`: the in-process emulators wired into the product: the endpoint settings point
  at them and `connections.http.build_session` returns a session mounted on them (a fresh session
  per call, so clients that hook their session do not see each other's traffic).
- `salesforce_connection`: an RSA key and self-signed certificate made at test time, the connected
  app registered in the Salesforce emulator, and the `SalesforceConnection` row holding the key.
- `make_sync_user(email=..., configuration=..., **user_fields)`: a Salesforce user in the emulator
  plus its `SyncUser` row (configuration: the one given, else a default one).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from connections import http
from connections.models import MailConnection, SalesforceConnection, Status
from connections.providers.salesforce.client import clear_token_cache
from connections.providers.salesforce.stores.invitees import forget_shared_activities
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import make_certificate
from syncengine import tasks
from syncengine.models import SyncConfiguration, SyncUser
from tests.conftest import SandboxHandle


@pytest.fixture
def sandbox_product(
    sandbox: SandboxHandle, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxHandle]:
    for key, value in sandbox.env().items():
        setattr(settings, key, value)

    def build_session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = http.USER_AGENT
        for prefix, adapter in sandbox.session.adapters.items():
            session.mount(prefix, adapter)
        return session

    monkeypatch.setattr(http, "build_session", build_session)
    clear_token_cache()
    forget_shared_activities()
    yield sandbox
    clear_token_cache()
    forget_shared_activities()


@dataclass
class SalesforceSetup:
    connection: SalesforceConnection
    emulator: SalesforceEmulator
    consumer_key: str
    private_key: str
    certificate: str
    login_url: str


@pytest.fixture
def salesforce_connection(sandbox_product: SandboxHandle, db: None) -> SalesforceSetup:
    private_key, certificate = make_certificate("lsync-test")
    consumer_key = "3MVG9lsync" + secrets.token_hex(12)
    emulator: SalesforceEmulator = sandbox_product.apps["salesforce"]
    emulator.register_connected_app(consumer_key, certificate)
    login_url = sandbox_product.bases["salesforce"]
    connection = SalesforceConnection(
        pk=1,
        login_url=login_url,
        consumer_key=consumer_key,
        private_key=private_key,
        api_version="62.0",
        status=Status.SAVED,
    )
    connection.save()
    return SalesforceSetup(connection, emulator, consumer_key, private_key, certificate, login_url)


@pytest.fixture
def make_sync_user(salesforce_connection: SalesforceSetup) -> Callable[..., SyncUser]:
    emulator = salesforce_connection.emulator

    def make(
        email: str = "ana@example.com",
        configuration: SyncConfiguration | None = None,
        username: str | None = None,
        **user_fields: Any,
    ) -> SyncUser:
        username = username or email
        user_id = emulator.add_user(username, email, **user_fields)
        if configuration is None:
            configuration, _ = SyncConfiguration.objects.get_or_create(name="Default")
        return SyncUser.objects.create(
            configuration=configuration,
            salesforce_user_id=user_id,
            username=username,
            email=email,
            mailbox_address=email,
            # Only a linked user syncs (issue 12 item 2); these users are linked by intent.
            link_status="linked",
        )

    return make


def linked_push_user(connection: MailConnection, address: str) -> SyncUser:
    """A linked user of `connection` not due for an hour: what a push webhook queues must come
    from the notification, never from the dispatcher."""
    config = SyncConfiguration.objects.create(name="Sales")
    return SyncUser.objects.create(
        configuration=config, salesforce_user_id="005A", username="ana@sf", email=address,
        mailbox_address=address, link_status="linked", mail_connection=connection,
        next_due_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The users a webhook queued, in order (instead of the task queue)."""
    out: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_syncs", out.extend)
    return out
