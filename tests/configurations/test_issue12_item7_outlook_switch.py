"""Issue 12 item 7: switching the Outlook method (Exchange service account <-> Microsoft 365
OAuth) says what happens to linked users and what to do next, on the Outlook page and on
/setup/, before and after saving; the users wait with their reason, then enrollment links them
through the new method, with their old links reset. Never a silent stop, never "unexpected
error" runs."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from connections.models import MailConnection, Status
from connections.providers.exchange.directory import ExchangeMailboxes
from mappings.models import ItemMapping, SyncRun
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine import service
from syncengine.enrollment import resolve_enrollment
from syncengine.models import LinkStatus, SyncUser
from syncengine.provider import Probe
from tests.configurations.conftest import TENANT, Org, assign_user, configuration

pytestmark = pytest.mark.django_db

ANA = "ana@example.com"
EXCHANGE_FORM = {
    "enabled": "on",
    "sync_kinds": "both",
    "method": "exchange",
    "username": "svc@example.com",
    "password": "Sv3-Exchange-pässword-91f0",
    "auth_basic": "on",
}


def page(client: Client, url: str) -> str:
    return html.unescape(client.get(url).content.decode())


@pytest.fixture
def linked_through_exchange(
    org: Org, microsoft365: MicrosoftEmulator, monkeypatch: pytest.MonkeyPatch
) -> SyncUser:
    """Ana, linked through the Exchange service account, with one synced link. (No EWS server
    here: the impersonation probe is answered "ok"; tests/providers/exchange covers the probe.)"""
    monkeypatch.setattr(ExchangeMailboxes, "probe", lambda self, address: Probe("ok"))
    microsoft365.add_mailbox(TENANT, ANA, "Ana User")
    MailConnection.objects.filter(method="microsoft365").update(chosen=False, enabled=False)
    exchange = MailConnection.objects.create(
        method="exchange", chosen=True, enabled=True, username="svc@example.com",
        password="pw", status=Status.SAVED,
    )  # fmt: skip
    assign_user(configuration("Team"), org.user(ANA))
    resolve_enrollment()
    user = SyncUser.objects.get()
    assert (user.link_status, user.mail_connection) == (LinkStatus.LINKED, exchange)
    ItemMapping.objects.create(sync_user=user, kind="contacts", salesforce_id="003A", mailbox_id="AAMkEWS")  # fmt: skip
    return user


def test_item7_the_outlook_page_says_what_a_switch_does_before_saving(
    linked_through_exchange: SyncUser, admin_client: Client
) -> None:
    body = page(admin_client, "/setup/outlook/")
    assert "Before you switch the method:" in body
    assert "1 user(s) are linked through Service Account (Exchange)" in body
    assert "Switching to OAuth 2.0 (Microsoft 365) stops their syncs" in body
    assert "Global Administrator has logged in to Microsoft 365" in body


def test_item7_switching_says_what_happens_and_the_users_wait_with_their_reason(
    linked_through_exchange: SyncUser, admin_client: Client
) -> None:
    form = {**EXCHANGE_FORM, "method": "microsoft365"}
    body = html.unescape(admin_client.post("/setup/outlook/", form, follow=True).content.decode())
    assert "settings saved" in body
    assert "1 user(s) were linked through Service Account (Exchange)" in body
    assert "the switch to OAuth 2.0 (Microsoft 365) stopped their syncs" in body
    user = SyncUser.objects.get()
    assert user.link_status == LinkStatus.PENDING
    assert "Outlook method was switched" in user.link_error

    setup = page(admin_client, "/setup/")
    assert "1 user(s) linked through Service Account (Exchange) wait to be linked again" in setup
    assert "through OAuth 2.0 (Microsoft 365)" in setup
    assert "wait to be linked again" in page(admin_client, "/setup/outlook/")

    outcome = service.sync_user(user.pk, "contacts")
    assert outcome.status == "skipped" and "Outlook method was switched" in outcome.message
    assert not SyncRun.objects.exists()
    assert "Outlook method was switched" in page(admin_client, f"/status/users/{user.pk}/")


def test_item7_enrollment_then_links_through_the_new_method_and_resets_old_links(
    linked_through_exchange: SyncUser, admin_client: Client
) -> None:
    admin_client.post("/setup/outlook/", {**EXCHANGE_FORM, "method": "microsoft365"})
    MailConnection.objects.filter(method="microsoft365").update(status=Status.VERIFIED)
    resolve_enrollment()
    user = SyncUser.objects.get()
    assert user.link_status == LinkStatus.LINKED
    assert user.mail_connection == MailConnection.objects.get(method="microsoft365")
    assert not ItemMapping.objects.exists()  # Exchange item ids mean nothing to Graph
    assert "wait to be linked again" not in page(admin_client, "/setup/")


def test_item7_a_connection_without_a_sync_store_fails_with_a_sentence_not_a_crash(
    linked_through_exchange: SyncUser, settings: object
) -> None:
    settings.LSYNC_STORE_BACKEND = "providers"  # type: ignore[attr-defined]
    outcome = service.sync_user(linked_through_exchange.pk, "contacts")
    assert outcome.status == "failed"
    assert "unexpected" not in outcome.message
    assert "Exchange" in outcome.message
