"""A Salesforce user and their mailbox, Microsoft 365 or Google, both against the in-process
emulators and synced through the real provider stores, for the tests of writes that land only in
part (issue 13). The user's own edits go through the same stores, as a client would make them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connections.models import MailConnection, Status
from connections.providers.google import stores as google_adapters
from connections.providers.google.client import SCOPES, clear_credentials_cache
from connections.providers.microsoft import client as microsoft_client
from connections.providers.microsoft import stores as microsoft_adapters
from connections.providers.salesforce import stores as salesforce_adapters
from sandbox.core import Emulator
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact, Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Delete, Item, Kind, Side, Store, Update
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import service_account_key

TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SECRET = "tests-only-client-secret"
# Two fields per kind that both sides hold: one edited in Salesforce, one in the mailbox.
FIELDS: dict[Kind, tuple[str, str]] = {
    "contacts": ("title", "mobile_phone"),
    "events": ("location", "description"),
}
# The emulator routes a mailbox update or delete of one item goes through (also inside batches).
UPDATE_ROUTES = {
    ("microsoft", "contacts"): r"graph\.contacts\.update",
    ("microsoft", "events"): r"graph\.events\.update",
    ("google", "contacts"): r"google\.people\.(update|batchUpdate)",
    ("google", "events"): r"google\.calendar\.events\.(patch|update)",
}
PAIRS = [(p, k) for p in ("microsoft", "google") for k in ("contacts", "events")]


def sample(kind: Kind, n: int, **changes: Any) -> Contact | Event:
    if kind == "contacts":
        fields: dict[str, Any] = {
            "first_name": f"Ana{n}", "last_name": f"Lie{n}", "emails": [f"ana{n}@client.example"],
            "mobile_phone": "+47 900 00 000", "title": "Buyer",
        }  # fmt: skip
    else:
        day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        start = day + timedelta(days=n)
        fields = {
            "subject": f"Review {n}", "start": start, "end": start + timedelta(hours=1),
            "time_zone": "Europe/Oslo", "location": "Room 1", "description": "Agenda",
        }  # fmt: skip
    fields.update(changes)
    return (Contact if kind == "contacts" else Event).normalized(**fields)


@dataclass
class Mailbox:
    """One user synced between Salesforce and one mail provider, for one kind."""

    provider: str
    kind: Kind
    user: SyncUser
    config: SyncConfiguration
    emulator: Emulator
    salesforce: Emulator

    def stores(self) -> dict[Side, Store]:
        adapters = microsoft_adapters if self.provider == "microsoft" else google_adapters
        return {
            "salesforce": salesforce_adapters.build_store(self.user, self.kind),
            "mailbox": adapters.build_store(self.user, self.kind),
        }

    def run(self) -> RunResult:
        self.config.refresh_from_db()
        stores = self.stores()
        return run_sync(
            stores["salesforce"],
            stores["mailbox"],
            DbMappingRepo(self.user, self.kind),
            self.config.settings_for(self.kind),
        )

    def settle(self, runs: int = 3) -> RunResult:
        """Syncs until a run has nothing left to do (at most `runs` times); the last result."""
        for _ in range(runs):
            result = self.run()
            writes = {k: v for k, v in result.counts.items() if k.split("_")[0] in WRITE_VERBS}
            if result.status == "ok" and not writes:
                return result
        return result

    # --- a user at work ------------------------------------------------------------------------
    def create(self, side: Side, n: int) -> str:
        (result,) = self.stores()[side].apply([Create("user", sample(self.kind, n))])
        assert result.ok and result.id, result.error
        return result.id

    def edit(self, side: Side, item_id: str, **changes: Any) -> None:
        store = self.stores()[side]
        record = replace(store.get([item_id])[item_id].record, **changes)  # type: ignore[arg-type]
        (result,) = store.apply([Update(item_id, record, None, frozenset(changes))])
        assert result.ok, result.error

    def delete(self, side: Side, item_id: str) -> None:
        (result,) = self.stores()[side].apply([Delete(item_id)])
        assert result.ok, result.error

    # --- what each side holds ------------------------------------------------------------------
    def listing(self, side: Side) -> dict[str, Item]:
        return {it.id: it for it in self.stores()[side].changes(None).changed}

    def linked(self) -> dict[str, str]:
        """Salesforce id -> mailbox id of every linked pair."""
        repo = DbMappingRepo(self.user, self.kind)
        return {m.salesforce_id: m.mailbox_id for m in repo.load() if m.status == "synced"}

    def fields(self, side: Side, item_id: str) -> tuple[Any, ...]:
        record = self.stores()[side].get([item_id])[item_id].record
        return tuple(getattr(record, f) for f in FIELDS[self.kind])

    def fail_mailbox_writes(self, kind: str = "500", times: int = 1) -> None:
        self.emulator.inject(kind, route=UPDATE_ROUTES[(self.provider, self.kind)], times=times)


WRITE_VERBS = ("created", "updated", "deleted", "errors")


@pytest.fixture(params=PAIRS, ids=[f"{p}-{k}" for p, k in PAIRS])
def mailbox(
    request: pytest.FixtureRequest,
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    settings: Any,
) -> Mailbox:
    provider, kind = request.param
    config = SyncConfiguration.objects.create(
        name="Partial writes",
        events_days_past=30,
        events_days_future=365,
        events_send_invitations=False,
        events_propagate_deletes=True,
    )
    if provider == "microsoft":
        email = "ana.nunez@nordvik.example"
        emulator = sandbox_product.apps["microsoft"]
        emulator.register_app(CLIENT_ID, client_secret=SECRET)
        emulator.add_tenant(TENANT, ["nordvik.example"])
        emulator.grant_consent(TENANT, CLIENT_ID)
        emulator.add_mailbox(TENANT, email, "Ana Núñez")
        settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
        settings.LSYNC_MICROSOFT_CLIENT_SECRET = SECRET
        settings.LSYNC_MICROSOFT_CERT_PATH = ""
        MailConnection.objects.create(
            method="microsoft365", tenant_id=TENANT, enabled=True, chosen=True, status=Status.SAVED
        )
        microsoft_client.forget_tokens()
    else:
        email = "ana@example.com"
        emulator = sandbox_product.apps["google"]
        info, public = service_account_key()
        client_id = emulator.register_service_account(
            info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
        )
        emulator.grant_delegation(client_id, SCOPES)
        emulator.add_user(email, "Ana", "Lie", "Europe/Oslo")
        MailConnection.objects.create(
            method="google", enabled=True, status=Status.VERIFIED,
            service_account_key=json.dumps(info), client_email=info["client_email"],
        )  # fmt: skip
        clear_credentials_cache()
    user = make_sync_user(email, configuration=config)
    return Mailbox(provider, kind, user, config, emulator, salesforce_connection.emulator)
