from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from connections.providers.salesforce.stores import build_store
from connections.providers.salesforce.stores.contacts import ContactStore
from connections.providers.salesforce.stores.events import EventStore
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.models import SyncConfiguration, SyncUser
from tests.providers.conftest import SalesforceSetup


@dataclass
class Org:
    """One syncing user in the emulator, and helpers to act in Salesforce as a person would."""

    emulator: SalesforceEmulator
    user: SyncUser
    make_user: Callable[..., SyncUser]

    @property
    def user_id(self) -> str:
        return self.user.salesforce_user_id

    def add(self, obj: str, fields: dict[str, Any], as_user: str | None = None) -> str:
        return str(self.emulator.add_record(obj, fields, as_user=as_user or self.user_id))

    def edit(self, record_id: str, fields: dict[str, Any]) -> None:
        self.emulator.update_record(record_id, fields, as_user=self.user_id)

    def contacts(self, **config: Any) -> ContactStore:
        self.configure(**config)
        store = build_store(self.user, "contacts")
        assert isinstance(store, ContactStore)
        return store

    def events(self, **config: Any) -> EventStore:
        self.configure(**config)
        store = build_store(self.user, "events")
        assert isinstance(store, EventStore)
        return store

    def configure(self, **config: Any) -> None:
        assert self.user.configuration is not None
        for key, value in config.items():
            setattr(self.user.configuration, key, value)
        self.user.configuration.save()


@pytest.fixture
def org(
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    settings: Any,
) -> Org:
    settings.LSYNC_SALESFORCE_SECOND_EMAIL_FIELD = "Secondary_Email__c"
    config = SyncConfiguration.objects.create(
        name="Sales", events_days_past=3650, events_days_future=3650
    )
    user = make_sync_user("ana.owner@example.com", configuration=config, time_zone="Europe/Oslo")
    return Org(salesforce_connection.emulator, user, make_sync_user)
