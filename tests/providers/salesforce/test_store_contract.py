"""The shared store contract, run against the Salesforce stores and the in-process emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connections.providers.salesforce.stores import build_store
from connections.providers.salesforce.stores.base import SalesforceStore
from connections.providers.salesforce.stores.contacts import ContactStore
from connections.providers.salesforce.stores.events import EventStore
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact, Event
from syncengine.stores.base import Create, Store
from tests.contract.store_contract import StoreContract, sample
from tests.providers.conftest import SalesforceSetup

Record = Contact | Event


class SalesforceContract(StoreContract):
    kind = "contacts"

    @pytest.fixture
    def store(
        self,
        salesforce_connection: SalesforceSetup,
        make_sync_user: Callable[..., SyncUser],
        settings: Any,
    ) -> SalesforceStore:
        settings.LSYNC_SALESFORCE_SECOND_EMAIL_FIELD = "Secondary_Email__c"
        self.emulator = salesforce_connection.emulator
        # The contract's sample events are in May 2026: a window wide enough for any test date.
        config = SyncConfiguration.objects.create(
            name="Contract", events_days_past=3650, events_days_future=3650
        )
        self.user = make_sync_user("ana.owner@example.com", configuration=config)
        acme = self.emulator.add_record(
            "Account", {"Name": "Acme"}, as_user=self.user.salesforce_user_id
        )
        self.accounts = {"Acme": acme}
        store = build_store(self.user, self.kind)  # type: ignore[arg-type]
        assert isinstance(store, SalesforceStore)
        return store

    def record_fields(self, store: SalesforceStore, record: Record) -> dict[str, Any]:
        """The sObject body a user's own edit in Salesforce leaves (company as AccountId)."""
        fields = store.body(record, None)
        if isinstance(record, Contact):
            fields["AccountId"] = self.accounts.get(record.company)
        return fields

    def out_of_band_put(self, store: Store, record: Record) -> str:
        assert isinstance(store, SalesforceStore)
        return str(
            self.emulator.add_record(
                store.sobject,
                self.record_fields(store, record),
                as_user=self.user.salesforce_user_id,
            )
        )

    def out_of_band_edit(self, store: Store, item_id: str, record: Record) -> None:
        assert isinstance(store, SalesforceStore)
        self.emulator.update_record(
            item_id, self.record_fields(store, record), as_user=self.user.salesforce_user_id
        )

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        self.emulator.delete_record(item_id, as_user=self.user.salesforce_user_id)

    def expire_cursor(self, store: Store) -> None:
        self.emulator.expire_cursors()


@pytest.mark.django_db
class TestContactStoreContract(SalesforceContract):
    kind = "contacts"

    def test_store_is_a_contact_store(self, store: Store) -> None:
        assert isinstance(store, ContactStore) and store.kind == "contacts"

    def test_a_whole_batch_of_max_batch_ops_goes_in_one_call(self, store: Store) -> None:
        """Deliberate deviation: contacts name their company, and Salesforce links an Account by
        id, so a cold store spends one Account lookup before the one write call. With the
        Account known (as after any read that saw it), the batch is one call."""
        n = min(store.max_batch, 25)
        before = store.api_calls
        results = store.apply([Create(f"r{i}", sample(store.kind, i)) for i in range(n)])
        assert store.api_calls - before == 2
        assert len(results) == n and all(r.ok for r in results)
        before = store.api_calls
        results = store.apply([Create(f"s{i}", sample(store.kind, 100 + i)) for i in range(n)])
        assert store.api_calls - before == 1
        assert all(r.ok for r in results)


@pytest.mark.django_db
class TestEventStoreContract(SalesforceContract):
    kind = "events"

    def test_store_is_an_event_store(self, store: Store) -> None:
        assert isinstance(store, EventStore) and store.kind == "events"
