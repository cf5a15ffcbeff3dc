"""Unresolved items for real: the Salesforce store against its emulator reports them, the run
records them (service.py), and the console's actions write to Salesforce as the sync user."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connections.providers.salesforce.stores import build_store
from mappings.models import ItemMapping, UnresolvedItem
from syncengine import registry, unresolved
from syncengine.models import SyncUser
from syncengine.records import Attendee, Contact, Event
from syncengine.stores.base import Kind, Store
from syncengine.stores.memory import MemoryStore
from tests.providers.conftest import SalesforceSetup

pytestmark = pytest.mark.django_db

EMAIL = "ana@nordvik.example"
STRANGER = "kari@fjord.example"
_mailboxes: dict[Kind, MemoryStore] = {}


def build_pair(sync_user: SyncUser, kind: Kind) -> tuple[Store, Store]:
    """The test backend: real Salesforce, an in-memory mailbox."""
    return build_store(sync_user, kind), _mailboxes[kind]


@pytest.fixture
def user(
    make_sync_user: Callable[..., SyncUser], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> SyncUser:
    monkeypatch.setitem(registry.BACKENDS, "sf-memory", f"{__name__}.build_pair")
    settings.LSYNC_STORE_BACKEND = "sf-memory"
    contacts, events = MemoryStore("mailbox", "contacts"), MemoryStore("mailbox", "events")
    contacts.put(
        Contact.normalized(
            first_name="Ola", last_name="Nord", emails=["ola@nordvik.example"],
            company="Nordvik Shipping",
        )
    )  # fmt: skip
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=2)
    events.put(
        Event.normalized(
            subject="Fjord visit", start=start, end=start + timedelta(hours=1),
            time_zone="Europe/Oslo", attendees=[Attendee.normalized(STRANGER)],
        )
    )  # fmt: skip
    monkeypatch.setattr(f"{__name__}._mailboxes", {"contacts": contacts, "events": events})
    return make_sync_user(EMAIL)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_a_run_records_them_and_the_console_resolves_them_in_salesforce(
    user: SyncUser, salesforce_connection: SalesforceSetup
) -> None:
    from tests.console.conftest import client_with

    emulator = salesforce_connection.emulator
    manager = client_with("manager", "manage_sync")
    manager.post(f"/status/users/{user.pk}/sync-now/")

    company = UnresolvedItem.objects.get(reason="company_no_account")
    attendee = UnresolvedItem.objects.get(reason="attendee_no_match")
    assert company.value == "Nordvik Shipping" and attendee.value == STRANGER
    contact_id = ItemMapping.objects.get(kind="contacts").salesforce_id
    event_id = ItemMapping.objects.get(kind="events").salesforce_id
    assert (company.salesforce_id, attendee.salesforce_id) == (contact_id, event_id)

    unresolved_url = f"/status/users/{user.pk}/unresolved/"
    page = text(manager.get(unresolved_url))
    assert "Nordvik Shipping" in page and STRANGER in page
    search = {"item": company.pk, "sobject": "Account", "q": "Nordvik"}
    assert "Nothing found." in text(manager.get(unresolved_url, search))

    manager.post(f"/status/unresolved/{company.pk}/create-account/")
    account_id = (emulator.record(contact_id) or {}).get("AccountId")
    assert account_id and (emulator.record(account_id) or {}).get("Name") == "Nordvik Shipping"
    found_now = unresolved.directory_for(user).search("Account", "nordvik")
    assert [(c.id, c.name) for c in found_now] == [(account_id, "Nordvik Shipping")]

    kari = emulator.add_record(
        "Contact",
        {"FirstName": "Kari", "LastName": "Fjord", "Email": STRANGER},
        as_user=user.salesforce_user_id,
    )
    found = text(
        manager.get(unresolved_url, {"item": attendee.pk, "sobject": "Contact", "q": "kari"})
    )
    assert "Pick Contact Kari Fjord" in found
    manager.post(
        f"/status/unresolved/{attendee.pk}/link/",
        {"record_id": kari, "sobject": "Contact", "name": "Kari Fjord"},
    )
    relations = [
        r for r in emulator.store.live("EventRelation")
        if r["EventId"] == event_id and r["RelationId"] == kari
    ]  # fmt: skip
    assert len(relations) == 1
    assert not UnresolvedItem.objects.filter(resolved_at__isnull=True).exists()
