from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from connections import verify
from connections.models import AuditEntry, MailConnection
from tests.connections.conftest import raw_column

pytestmark = pytest.mark.django_db

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def started(manager_client: Client) -> str:
    """Starts the consent flow and returns the state Microsoft would echo back."""
    with override_settings(
        LSYNC_MICROSOFT_CLIENT_ID=CLIENT_ID,
        LSYNC_MICROSOFT_LOGIN_URL="https://login.example.test",
        LSYNC_PUBLIC_URL="https://lsync.example.com/",
    ):
        response = manager_client.post("/setup/outlook/consent/start/")
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "https://login.example.test/organizations/v2.0/adminconsent"
    )
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["https://graph.microsoft.com/.default"]
    assert query["redirect_uri"] == ["https://lsync.example.com/setup/outlook/consent/"]
    return query["state"][0]


@pytest.fixture
def tenant_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Microsoft would issue a token for the tenant (proved against the emulator elsewhere)."""
    monkeypatch.setattr(verify, "verify_microsoft_tenant", lambda tenant: None)


def callback(client: Client, **params: str) -> str:
    response = client.get("/setup/outlook/consent/", params, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def nothing_saved() -> bool:
    return not MailConnection.objects.exists() and not AuditEntry.objects.exists()


def test_each_start_uses_a_new_random_state(manager_client: Client, started: str) -> None:
    assert len(started) >= 40
    with override_settings(LSYNC_MICROSOFT_CLIENT_ID=CLIENT_ID):
        again = manager_client.post("/setup/outlook/consent/start/")
    assert f"state={started}" not in again["Location"]


def test_a_callback_whose_state_does_not_match_saves_nothing(
    manager_client: Client, started: str
) -> None:
    body = callback(manager_client, state=started[:-2] + "xx", tenant=TENANT, admin_consent="True")
    assert "its state does not match), so nothing was saved" in body
    assert "Click Log in to Microsoft 365" in body
    assert nothing_saved()


def test_a_callback_without_a_started_login_saves_nothing(manager_client: Client) -> None:
    body = callback(manager_client, state="anything", tenant=TENANT)
    assert "state does not match" in body
    assert nothing_saved()


def test_a_state_works_only_once(
    manager_client: Client, started: str, tenant_accepted: None
) -> None:
    callback(manager_client, state=started, tenant=TENANT, admin_consent="True")
    body = callback(manager_client, state=started, tenant="another-tenant.onmicrosoft.com")
    assert "state does not match" in body
    assert MailConnection.objects.get(method="microsoft365").tenant_id == TENANT


def test_the_admin_cancelling_is_told_apart_from_a_failure(
    manager_client: Client, started: str
) -> None:
    body = callback(
        manager_client,
        state=started,
        error="access_denied",
        error_description="AADSTS65004: User declined to consent to access the app.",
    )
    assert "Consent was cancelled in Microsoft 365, so nothing was saved" in body
    assert "did not grant consent" not in body
    assert nothing_saved()


def test_a_failure_shows_microsofts_reason_in_plain_words(
    manager_client: Client, started: str
) -> None:
    body = callback(
        manager_client,
        state=started,
        error="invalid_request",
        error_description=(
            "AADSTS90094: The grant requires admin permission.\r\n"
            "Trace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-11-22 10:00:00Z"
        ),
    )
    assert (
        "Microsoft 365 did not grant consent: The grant requires admin permission. "
        "(Microsoft code AADSTS90094) Nothing was saved." in body
    )
    assert "Correlation ID" not in body
    assert nothing_saved()


def test_consent_stores_the_tenant_encrypted_and_shows_only_its_end(
    manager_client: Client, started: str, tenant_accepted: None
) -> None:
    body = callback(manager_client, state=started, tenant=TENANT, admin_consent="True")
    assert "Microsoft 365 consent recorded" in body
    m365 = MailConnection.objects.get(method="microsoft365")
    assert (m365.tenant_id, m365.chosen, m365.status) == (TENANT, True, "saved")
    assert m365.consented_at is not None
    assert "••••••••db47" in body
    assert TENANT not in body and TENANT[:8] not in body
    assert "Disconnect" in body
    stored = raw_column("connections_mailconnection", "tenant_id", "method = 'microsoft365'")
    assert TENANT.encode() not in stored and TENANT[:8].encode() not in stored
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.fields) == ("consent", ["method", "tenant_id"])


def test_a_tenant_that_fails_verification_is_not_stored(
    manager_client: Client, started: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        verify, "verify_microsoft_tenant", lambda tenant: "no token could be obtained."
    )
    body = callback(manager_client, state=started, tenant=TENANT, admin_consent="True")
    assert "The tenant could not be used: no token could be obtained. Nothing was saved." in body
    assert nothing_saved()


@override_settings(LSYNC_MICROSOFT_CLIENT_ID="")
def test_without_a_client_id_the_tenant_is_refused_and_the_variable_named(
    manager_client: Client, started: str
) -> None:
    body = callback(manager_client, state=started, tenant=TENANT, admin_consent="True")
    assert "The tenant could not be used: lsync cannot check the consent because" in body
    assert "LSYNC_MICROSOFT_CLIENT_ID is not set" in body and "Nothing was saved." in body
    assert nothing_saved()


def test_a_callback_without_a_tenant_saves_nothing(manager_client: Client, started: str) -> None:
    body = callback(manager_client, state=started, tenant="<script>")
    assert "did not send a tenant id back" in body
    assert nothing_saved()


def test_disconnect_removes_the_tenant(
    manager_client: Client, started: str, tenant_accepted: None
) -> None:
    callback(manager_client, state=started, tenant=TENANT, admin_consent="True")
    body = manager_client.post("/setup/outlook/disconnect/", follow=True).content.decode()
    m365 = MailConnection.objects.get(method="microsoft365")
    assert (m365.tenant_id, m365.consented_at, m365.status) == ("", None, "not_configured")
    assert "Microsoft 365 disconnected" in body
    assert "Disconnect</button>" not in body


@override_settings(LSYNC_MICROSOFT_CLIENT_ID="")
def test_without_a_client_id_the_page_names_the_variable_to_set(manager_client: Client) -> None:
    body = manager_client.get("/setup/outlook/").content.decode()
    assert "LSYNC_MICROSOFT_CLIENT_ID" in body
    response = manager_client.post("/setup/outlook/consent/start/", follow=True)
    assert "set LSYNC_MICROSOFT_CLIENT_ID" in response.content.decode()
    assert "lsync_m365_consent_state" not in manager_client.session
