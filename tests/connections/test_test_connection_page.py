"""Test connection on the setup pages, against the in-process emulators."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from connections.models import AuditEntry, MailConnection, SalesforceConnection, Status
from connections.providers.google.client import (
    CALENDAR_SCOPE,
    CONTACTS_SCOPE,
    SCOPES,
    clear_credentials_cache,
)
from connections.providers.microsoft import client as graph_client
from connections.providers.salesforce.provider import SalesforceProvider
from sandbox.google.app import GoogleEmulator
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine.models import SyncUser
from syncengine.provider import CheckStep
from tests.configurations.conftest import google_key as cached_google_key
from tests.conftest import SandboxHandle
from tests.connections.conftest import fragments, make_user
from tests.providers.conftest import (  # noqa: F401  (fixtures)
    SalesforceSetup,
    make_sync_user,
    salesforce_connection,
    sandbox_product,
)

pytestmark = pytest.mark.django_db

USER = "ana@example.com"
TENANT = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"
CLIENT_ID = "6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a"
CLIENT_SECRET = "tests-only-page-client-secret"
SF_STEPS = ["Token", "User found", "Contacts readable", "Events readable", "Write permission"]
TEST_URLS = ["/setup/salesforce/test/", "/setup/outlook/test/", "/setup/google/test/"]
STEP = re.compile(
    r'<li class="slds-item lsync-test-step">\s*<span class="slds-badge [^"]*">'
    r'<span aria-hidden="true"[^>]*>[^<]*</span> (Passed|Failed)</span>\s*'
    r"<strong[^>]*>([^<]*)</strong>\s*<p[^>]*>([^<]*)</p>"
)


def shown_steps(body: str) -> list[tuple[str, str, str]]:
    """(verdict, step name, message) of each step on the page, as a reader sees them."""
    return [(v, html.unescape(n), html.unescape(m)) for v, n, m in STEP.findall(body)]


def run_test(client: Client, url: str, email: str = "") -> str:
    response = client.post(url, {"email": email})
    assert response.status_code == 200
    return response.content.decode()


def assert_no_fragment(body: str, secret: str) -> None:
    for piece in fragments(secret):
        assert piece not in body, "the page shows part of a secret"


def pem_body(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


# Salesforce


def test_a_passing_salesforce_test_shows_every_step_passed_and_marks_it_verified(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    make_sync_user: Callable[..., SyncUser],  # noqa: F811
) -> None:
    make_sync_user(USER)
    before = SalesforceConnection.objects.get()
    body = run_test(manager_client, "/setup/salesforce/test/", USER)
    steps = shown_steps(body)
    assert [(verdict, name) for verdict, name, _ in steps] == [("Passed", n) for n in SF_STEPS]
    assert steps[0][2] == f"Logged in to Salesforce as {USER}."
    assert f"Every step passed for {USER}" in body
    assert "The connection is now marked Verified." in body
    conn = SalesforceConnection.objects.get()
    assert conn.status == Status.VERIFIED and conn.status_message == ""
    assert conn.verified_at is not None
    # A test is not a save: the settings, the key and the audit log stay as they were.
    assert (conn.private_key, conn.consumer_key) == (before.private_key, before.consumer_key)
    assert conn.updated_at == before.updated_at
    assert not AuditEntry.objects.exists()
    assert_no_fragment(body, pem_body(salesforce_connection.private_key))
    assert 'value="ana@example.com"' in body  # the address stays in the field
    home = manager_client.get("/setup/").content.decode()
    assert '<span class="slds-badge slds-theme_success">Verified</span>' in home


def test_a_user_not_pre_authorized_is_told_how_and_the_connection_marked_error(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    make_sync_user: Callable[..., SyncUser],  # noqa: F811
) -> None:
    make_sync_user(USER)
    salesforce_connection.emulator.register_connected_app(
        salesforce_connection.consumer_key,
        salesforce_connection.certificate,
        preauthorized_usernames=["someone.else@example.com"],
    )
    body = run_test(manager_client, "/setup/salesforce/test/", USER)
    ((verdict, name, message),) = shown_steps(body)
    assert (verdict, name) == ("Failed", "Token")
    assert f"{USER} is not pre-authorized" in message
    assert "'Admin approved users are pre-authorized'" in message
    assert "1 step failed" in body and "now marked Error" in body
    conn = SalesforceConnection.objects.get()
    assert (conn.status, conn.status_message, conn.verified_at) == (Status.ERROR, message, None)
    home = html.unescape(manager_client.get("/setup/").content.decode())
    assert '<span class="slds-badge slds-theme_error">Error</span>' in home
    assert message in home
    assert_no_fragment(body, pem_body(salesforce_connection.private_key))


def test_an_unknown_consumer_key_turns_a_verified_connection_to_error(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    make_sync_user: Callable[..., SyncUser],  # noqa: F811
) -> None:
    make_sync_user(USER)
    run_test(manager_client, "/setup/salesforce/test/")  # the first enrolled user
    assert SalesforceConnection.objects.get().status == Status.VERIFIED
    SalesforceConnection.objects.filter(pk=1).update(consumer_key="3MVG9wrong")
    body = run_test(manager_client, "/setup/salesforce/test/")
    ((verdict, _, message),) = shown_steps(body)
    assert verdict == "Failed" and "does not know the consumer key" in message
    assert "Manage Consumer Details" in message
    assert SalesforceConnection.objects.get().status == Status.ERROR


def test_a_connection_never_saved_is_tested_but_nothing_is_recorded(
    manager_client: Client,
) -> None:
    body = run_test(manager_client, "/setup/salesforce/test/", USER)
    ((verdict, _, message),) = shown_steps(body)
    assert verdict == "Failed" and message.startswith("Salesforce is not set up")
    assert "Nothing was recorded: save this connection&#x27;s settings first." in body
    assert not SalesforceConnection.objects.exists()


# The test view itself, with fake checks


def saving_during_the_test(email: str | None) -> list[CheckStep]:
    SalesforceConnection.objects.get().save()  # an admin saves new settings meanwhile
    return [CheckStep("token", True, "Logged in.")]


def leaking(email: str | None) -> list[CheckStep]:
    key_line = SalesforceConnection.objects.get().private_key.splitlines()[3]
    return [CheckStep("token", False, f"Salesforce said: bad key {key_line}")]


def crashing(email: str | None) -> list[CheckStep]:
    raise RuntimeError("the emulator fell over")


def use_checks(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    checks = globals()[name]
    monkeypatch.setattr(SalesforceProvider, "run_checks", lambda self, email: checks(email))


def test_a_result_is_not_recorded_when_the_settings_changed_during_the_test(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_checks(monkeypatch, "saving_during_the_test")
    body = run_test(manager_client, "/setup/salesforce/test/")
    assert "The settings changed while the test ran, so this result was not recorded." in body
    assert SalesforceConnection.objects.get().status == Status.SAVED


def test_a_stored_secret_in_a_message_is_masked(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_checks(monkeypatch, "leaking")
    body = run_test(manager_client, "/setup/salesforce/test/")
    ((_, _, message),) = shown_steps(body)
    assert message.startswith("Salesforce said: bad key ••••••••")
    assert_no_fragment(body, pem_body(salesforce_connection.private_key))
    conn = SalesforceConnection.objects.get()
    assert conn.status_message == message
    assert_no_fragment(manager_client.get("/setup/").content.decode(), pem_body(conn.private_key))


def test_a_crash_in_the_checks_is_shown_as_a_failed_step(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_checks(monkeypatch, "crashing")
    body = run_test(manager_client, "/setup/salesforce/test/")
    ((verdict, name, message),) = shown_steps(body)
    assert (verdict, name) == ("Failed", "Test")
    assert "unexpected error (RuntimeError)" in message and "fell over" not in body
    assert SalesforceConnection.objects.get().status == Status.ERROR


# Input and access


@pytest.mark.parametrize("typed", ["not an address", "ana@", "a" * 250 + "@example.com"])
def test_a_bad_address_names_the_field_and_runs_nothing(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    typed: str,
) -> None:
    body = run_test(manager_client, "/setup/salesforce/test/", typed)
    assert "Test as user (e-mail): enter one e-mail address such as ana@example.com" in body
    assert 'aria-invalid="true"' in body
    assert "connection-test-email-error" in body
    assert shown_steps(body) == [] and "connection-test-results" not in body
    assert SalesforceConnection.objects.get().status == Status.SAVED


@pytest.mark.parametrize("url", TEST_URLS)
def test_anonymous_visitors_are_sent_to_log_in(url: str) -> None:
    response = Client().post(url, {"email": USER})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", TEST_URLS)
def test_a_user_without_manage_sync_gets_403(url: str) -> None:
    client = Client()
    client.force_login(make_user("viewer", "view_sync_status"))
    assert client.post(url, {"email": USER}).status_code == 403


@pytest.mark.parametrize("url", TEST_URLS)
def test_a_get_leads_back_to_the_setup_page(manager_client: Client, url: str) -> None:
    response = manager_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == url.removesuffix("test/")


def test_a_post_without_the_csrf_token_is_refused(manager: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post("/setup/salesforce/test/", {"email": USER}).status_code == 403


def test_every_setup_page_offers_the_test_form(manager_client: Client) -> None:
    for url in ("/setup/salesforce/", "/setup/google/"):
        body = manager_client.get(url).content.decode()
        assert f'action="{url}test/"' in body
        assert '<label class="slds-form-element__label" for="connection-test-email">' in body
        assert ">Test connection</button>" in body


# Outlook


@pytest.fixture
def microsoft365(
    sandbox_product: SandboxHandle,  # noqa: F811
    settings: Any,
) -> Iterator[MicrosoftEmulator]:
    emulator: MicrosoftEmulator = sandbox_product.apps["microsoft"]
    settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = CLIENT_SECRET
    settings.LSYNC_MICROSOFT_CERT_PATH = ""
    settings.LSYNC_MICROSOFT_CERT_THUMBPRINT = ""
    emulator.register_app(CLIENT_ID, client_secret=CLIENT_SECRET)
    emulator.add_tenant(TENANT, ["example.com"])
    emulator.grant_consent(TENANT, CLIENT_ID)
    emulator.add_mailbox(TENANT, USER, "Ana Núñez")
    MailConnection.objects.create(
        method=MailConnection.Method.MICROSOFT365,
        chosen=True,
        enabled=True,
        tenant_id=TENANT,
        status=Status.SAVED,
    )
    graph_client.forget_tokens()
    yield emulator
    graph_client.forget_tokens()


def m365() -> MailConnection:
    return MailConnection.objects.get(method=MailConnection.Method.MICROSOFT365)


def test_a_passing_microsoft_test_opens_the_mailbox_and_marks_it_verified(
    manager_client: Client, microsoft365: MicrosoftEmulator
) -> None:
    body = run_test(manager_client, "/setup/outlook/test/", USER)
    steps = shown_steps(body)
    assert [v for v, _, _ in steps] == ["Passed"] * 6
    assert [n for _, n, _ in steps][:3] == ["Sign in to Microsoft 365", "Permissions", "Mailbox"]
    assert m365().status == Status.VERIFIED
    assert microsoft365.mailbox(USER).contacts == {}  # the probe contact is gone again
    assert_no_fragment(body, TENANT)
    assert_no_fragment(body, CLIENT_SECRET)


def test_missing_consent_gives_the_consent_message_and_marks_it_error(
    manager_client: Client, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.revoke_consent(TENANT, CLIENT_ID)
    body = run_test(manager_client, "/setup/outlook/test/", USER)
    ((verdict, name, message),) = shown_steps(body)
    assert (verdict, name) == ("Failed", "Sign in to Microsoft 365")
    assert "has not been granted access to this Microsoft 365 tenant" in message
    assert "as a Global Administrator" in message
    assert (m365().status, m365().status_message) == (Status.ERROR, message)
    assert_no_fragment(body, TENANT)


def test_an_unknown_tenant_is_named_only_by_its_masked_end(
    manager_client: Client, microsoft365: MicrosoftEmulator
) -> None:
    forged = "99999999-8888-4777-8666-555555554444"
    MailConnection.objects.filter(method="microsoft365").update(tenant_id=forged)
    body = run_test(manager_client, "/setup/outlook/test/")
    ((_, _, message),) = shown_steps(body)
    assert "Microsoft does not know the tenant '••••••••4444'" in message
    assert_no_fragment(body, forged)
    assert_no_fragment(manager_client.get("/setup/").content.decode(), forged)


def test_the_exchange_method_is_tested_step_by_step_and_an_unknown_domain_fails_at_the_endpoint(
    manager_client: Client,
) -> None:
    MailConnection.objects.create(
        method=MailConnection.Method.EXCHANGE,
        chosen=True,
        username="svc@example.com",
        password="Exch-secret-never-shown-42",
        status=Status.SAVED,
    )
    body = manager_client.get("/setup/outlook/").content.decode()
    assert 'action="/setup/outlook/test/"' in body
    body = run_test(manager_client, "/setup/outlook/test/", USER)
    ((verdict, name, message),) = shown_steps(body)
    assert name == "Endpoint" and "EWS URL" in message
    assert "Exch-secret-never-shown-42" not in body
    assert MailConnection.objects.get(method="exchange").status == Status.ERROR


def test_the_outlook_page_offers_the_test_form_once_microsoft_365_is_chosen(
    manager_client: Client, microsoft365: MicrosoftEmulator
) -> None:
    body = manager_client.get("/setup/outlook/").content.decode()
    assert 'action="/setup/outlook/test/"' in body


# Google


@pytest.fixture
def google(sandbox_product: SandboxHandle) -> Iterator[tuple[GoogleEmulator, dict[str, str]]]:  # noqa: F811
    emulator: GoogleEmulator = sandbox_product.apps["google"]
    info, public = cached_google_key(sandbox_product.bases["google"] + "/token")
    emulator.register_service_account(
        info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
    )
    emulator.grant_delegation(info["client_id"], SCOPES)
    emulator.add_user(USER)
    MailConnection.objects.create(
        method=MailConnection.Method.GOOGLE,
        enabled=True,
        service_account_key=json.dumps(info),
        client_email=info["client_email"],
        status=Status.SAVED,
    )
    clear_credentials_cache()
    yield emulator, info
    clear_credentials_cache()


def google_status() -> tuple[str, str]:
    conn = MailConnection.objects.get(method=MailConnection.Method.GOOGLE)
    return conn.status, conn.status_message


def test_a_passing_google_test_marks_it_verified(
    manager_client: Client, google: tuple[GoogleEmulator, dict[str, str]]
) -> None:
    body = run_test(manager_client, "/setup/google/test/", USER)
    assert [v for v, _, _ in shown_steps(body)] == ["Passed"] * 6
    assert google_status() == (Status.VERIFIED, "")
    assert_no_fragment(body, pem_body(google[1]["private_key"]))


def test_delegation_missing_a_scope_names_it_and_marks_it_error(
    manager_client: Client, google: tuple[GoogleEmulator, dict[str, str]]
) -> None:
    emulator, info = google
    emulator.revoke_delegation(info["client_id"])
    emulator.grant_delegation(info["client_id"], [CONTACTS_SCOPE, CALENDAR_SCOPE + ".readonly"])
    body = run_test(manager_client, "/setup/google/test/", USER)
    steps = shown_steps(body)
    assert [(v, n) for v, n, _ in steps] == [
        ("Passed", "Service account key"),
        ("Passed", "User found"),
        ("Failed", "Domain-wide delegation"),
    ]
    message = steps[-1][2]
    assert f"Domain-wide delegation is missing the scope {CALENDAR_SCOPE}." in message
    assert f"edit client ID {info['client_id']}" in message
    assert google_status() == (Status.ERROR, message)
    assert_no_fragment(body, pem_body(info["private_key"]))


def test_a_login_url_of_another_service_is_explained_and_no_raw_provider_answer_reaches_a_page(
    manager_client: Client,
    sandbox_product: SandboxHandle,  # noqa: F811
    salesforce_connection: SalesforceSetup,  # noqa: F811
    make_sync_user: Callable[..., SyncUser],  # noqa: F811
) -> None:
    """Issue 12 item 8: a wrong Salesforce host (here the Google emulator, which answers with
    Google's JSON errors) showed `{'errors': [{'domain': 'global', ...` on the page."""
    make_sync_user(USER)
    SalesforceConnection.objects.update(login_url=sandbox_product.bases["google"])
    body = html.unescape(run_test(manager_client, "/setup/salesforce/test/", USER))
    ((verdict, name, message),) = shown_steps(body)
    assert (verdict, name) == ("Failed", "Token")
    assert "did not answer like a Salesforce login server (HTTP 404)" in message
    assert "Check the login URL" in message
    home = html.unescape(manager_client.get("/setup/").content.decode())
    for page in (body, home):
        assert "{'" not in page and "'domain'" not in page and '"domain"' not in page
