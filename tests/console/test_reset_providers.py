"""Reset sync followed by a run creates no duplicates, on every provider.

Items are born on both sides (one of them on both, unlinked), a first run syncs them, Reset sync
forgets every link and cursor, and the next run must link everything back: the same items on
each side, the same number of links, nothing created. The in-memory backend goes through the
console and the task; the real providers run the engine against their emulators.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from connections.models import MailConnection, Status
from connections.providers.google.client import SCOPES, clear_credentials_cache
from connections.providers.microsoft import client as microsoft_client
from mappings.models import ItemMapping, SyncCursor
from syncengine import memory_backend, operations
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact, Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Kind, Store
from tests.conftest import SandboxHandle
from tests.providers.exchange.conftest import setup_exchange
from tests.providers.google.conftest import service_account_key

pytestmark = pytest.mark.django_db

TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
EMAIL = "ana@nordvik.example"


def test_on_the_memory_backend_through_the_console(manager: Client, make_user: Any) -> None:
    user = make_user("ana@example.com")
    manager.post(f"/status/users/{user.pk}/sync-now/")

    def both() -> dict[str, tuple[list[str], ...]]:
        out = {}
        for kind in ("contacts", "events"):
            stores = memory_backend.build_stores(user, kind)  # type: ignore[arg-type]
            out[kind] = tuple(sorted(r.label() for r in s.records().values()) for s in stores)
        return out

    before, links = both(), ItemMapping.objects.count()
    manager.post(f"/status/users/{user.pk}/reset/")
    assert not ItemMapping.objects.exists()
    manager.post(f"/status/users/{user.pk}/sync-now/")
    assert both() == before
    assert ItemMapping.objects.count() == links


def setup_microsoft(sandbox: SandboxHandle, settings: Any) -> None:
    emulator = sandbox.apps["microsoft"]
    emulator.register_app(CLIENT_ID, client_secret="tests-only-client-secret")
    emulator.add_tenant(TENANT, ["nordvik.example"])
    emulator.grant_consent(TENANT, CLIENT_ID)
    emulator.add_mailbox(TENANT, EMAIL, "Ana Núñez")
    settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = "tests-only-client-secret"
    settings.LSYNC_MICROSOFT_CERT_PATH = ""
    MailConnection.objects.create(
        method="microsoft365", tenant_id=TENANT, enabled=True, chosen=True, status=Status.SAVED
    )
    microsoft_client.forget_tokens()


def setup_google(sandbox: SandboxHandle, settings: Any) -> None:
    emulator = sandbox.apps["google"]
    info, public = service_account_key()
    client_id = emulator.register_service_account(
        info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
    )
    emulator.grant_delegation(client_id, SCOPES)
    emulator.add_user(EMAIL, "Ana", "Lie", "Europe/Oslo")
    MailConnection.objects.create(
        method="google", enabled=True, status=Status.VERIFIED,
        service_account_key=json.dumps(info), client_email=info["client_email"],
    )  # fmt: skip
    clear_credentials_cache()


def mailbox_builder(provider: str) -> Callable[[SyncUser, Kind], Store]:
    if provider == "microsoft":
        from connections.providers.microsoft.stores import build_store as microsoft_store

        return microsoft_store
    if provider == "exchange":
        from connections.providers.exchange.stores import build_store as exchange_store

        return exchange_store
    from connections.providers.google.stores import build_store as google_store

    return google_store


def record(kind: Kind, n: int) -> Contact | Event:
    if kind == "contacts":
        return Contact.normalized(
            first_name=f"Per{n}", last_name="Lie", emails=[f"per{n}@client.example"],
            title="Buyer",
        )  # fmt: skip
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=2 + n)
    return Event.normalized(
        subject=f"Review {n}", start=start, end=start + timedelta(hours=1),
        time_zone="Europe/Oslo", location="Room 1",
    )  # fmt: skip


def create(store: Store, rec: Contact | Event, ref: str) -> None:
    (result,) = store.apply([Create(ref, rec, None)])
    assert result.ok, result.error


def labels(store: Store) -> list[str]:
    return sorted(item.record.label() for item in store.changes(None).changed)


@pytest.mark.parametrize("kind", ["contacts", "events"])
@pytest.mark.parametrize("provider", ["microsoft", "google", "exchange"])
def test_on_the_real_providers_against_their_emulators(
    provider: str,
    kind: Kind,
    sandbox_product: SandboxHandle,
    make_sync_user: Callable[..., SyncUser],
    settings: Any,
) -> None:
    if provider == "exchange":
        setup_exchange(sandbox_product, EMAIL)
    else:
        (setup_microsoft if provider == "microsoft" else setup_google)(sandbox_product, settings)
    config = SyncConfiguration.objects.create(name="Reset", events_send_invitations=False)
    user = make_sync_user(EMAIL, configuration=config)
    build_mailbox = mailbox_builder(provider)
    from connections.providers.salesforce.stores import build_store as salesforce_store

    def sync() -> RunResult:
        sf, mb = salesforce_store(user, kind), build_mailbox(user, kind)
        result = run_sync(sf, mb, DbMappingRepo(user, kind), config.settings_for(kind))
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    sf, mb = salesforce_store(user, kind), build_mailbox(user, kind)
    create(sf, record(kind, 1), "t:1")
    create(sf, record(kind, 2), "t:2")
    create(mb, record(kind, 2), "t:2m")  # the same item on both sides, not linked yet
    create(mb, record(kind, 3), "t:3")
    sync()
    before = (labels(sf), labels(mb))
    assert before[0] == before[1] and len(before[0]) == 3
    links = ItemMapping.objects.filter(sync_user=user, kind=kind).count()
    assert links == 3

    operations.reset_sync([user.pk])
    assert not ItemMapping.objects.filter(sync_user=user).exists()
    assert not SyncCursor.objects.filter(sync_user=user).exists()

    again = sync()
    assert (labels(sf), labels(mb)) == before
    assert ItemMapping.objects.filter(sync_user=user, kind=kind).count() == links
    assert again.counts.get("linked") == links
    assert not any(v for k, v in again.counts.items() if k.startswith("created"))
