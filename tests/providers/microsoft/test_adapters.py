"""build_store: the stores a sync user gets from the Microsoft 365 connection and configuration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connections.models import MailConnection, Status
from connections.providers.microsoft.stores import build_store, event_window
from connections.providers.microsoft.stores.contacts import GraphContactStore
from connections.providers.microsoft.stores.events import GraphEventStore
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.stores.base import AuthFailed
from tests.providers.microsoft.conftest import TENANT

pytestmark = pytest.mark.django_db


def user(config: SyncConfiguration | None = None, mailbox: str = "Ana@Nordvik.example") -> SyncUser:
    return SyncUser.objects.create(
        configuration=config, salesforce_user_id="005000000000001AAA", username="ana@sf.example",
        email="Ana@Nordvik.example", mailbox_address=mailbox,
    )  # fmt: skip


def test_without_consent_the_store_says_how_to_connect() -> None:
    with pytest.raises(AuthFailed, match="Log in to Microsoft 365"):
        build_store(user(), "contacts")


def test_the_configuration_decides_window_and_invitations() -> None:
    MailConnection.objects.create(method="microsoft365", tenant_id=TENANT, status=Status.SAVED)
    config = SyncConfiguration.objects.create(
        name="Sales", events_days_past=7, events_days_future=14, events_send_invitations=True
    )
    contacts = build_store(user(config), "contacts")
    events = build_store(SyncUser.objects.get(), "events")
    assert isinstance(contacts, GraphContactStore) and contacts.mailbox == "ana@nordvik.example"
    assert isinstance(events, GraphEventStore) and events.invitations
    assert events.window == event_window(7, 14)


def test_item2_a_user_without_a_linked_mailbox_is_never_given_one_from_the_email() -> None:
    MailConnection.objects.create(method="microsoft365", tenant_id=TENANT, status=Status.SAVED)
    with pytest.raises(AuthFailed, match="never guesses one from the e-mail address"):
        build_store(user(mailbox=""), "contacts")


def test_the_window_runs_on_whole_utc_days() -> None:
    start, end = event_window(2, 3, now=datetime(2026, 11, 23, 17, 45, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 11, 21, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
