from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from connections import verify
from connections.models import MailConnection, SalesforceConnection
from tests.connections.conftest import fragments, upload

pytestmark = pytest.mark.django_db

PASSWORD = "Kx9-never-render-this-7Qz"
TENANT = "0f1e2d3c-4b5a-6978-8a9b-acbdcedf0123"


def pem_body(pem: bytes) -> str:
    return "".join(line for line in pem.decode().splitlines() if not line.startswith("-----"))


def consent_state(client: Client) -> str:
    with override_settings(LSYNC_MICROSOFT_CLIENT_ID="client-id"):
        start = client.post("/setup/outlook/consent/start/")
    return str(start["Location"].split("state=")[1])


@pytest.fixture
def everything_saved(
    manager_client: Client,
    rsa_pem: bytes,
    google_key: Callable[..., bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> list[str]:
    """Saves every kind of secret through the pages and returns them."""
    monkeypatch.setattr(verify, "verify_microsoft_tenant", lambda tenant: None)
    manager_client.post(
        "/setup/salesforce/",
        {
            "login_url": "https://login.salesforce.com",
            "consumer_key": "3MVG9-key",
            "api_version": "62.0",
            "private_key": upload("server.key", rsa_pem),
        },
    )
    manager_client.post(
        "/setup/outlook/",
        {
            "enabled": "on",
            "sync_kinds": "both",
            "method": "exchange",
            "username": "svc@example.com",
            "password": PASSWORD,
            "auth_basic": "on",
        },
    )
    manager_client.post(
        "/setup/google/",
        {"sync_kinds": "both", "key_file": upload("key.json", google_key(), "application/json")},
    )
    state = consent_state(manager_client)
    manager_client.get("/setup/outlook/consent/", {"state": state, "tenant": TENANT})
    assert MailConnection.objects.get(method="exchange").password == PASSWORD
    assert MailConnection.objects.get(method="microsoft365").tenant_id == TENANT
    assert MailConnection.objects.get(method="google").service_account_key
    return [PASSWORD, TENANT, pem_body(rsa_pem)]


def pages() -> list[str]:
    urls = ["/setup/", "/setup/salesforce/", "/setup/outlook/", "/setup/google/"]
    urls += ["/admin/connections/salesforceconnection/", "/admin/connections/mailconnection/"]
    urls += ["/admin/connections/auditentry/", "/admin/connections/salesforceconnection/1/change/"]
    urls += [
        f"/admin/connections/mailconnection/{conn.pk}/change/"
        for conn in MailConnection.objects.all()
    ]
    return urls


def test_no_fragment_of_any_secret_appears_on_any_page(everything_saved: list[str]) -> None:
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    for url in pages():
        response = admin.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in everything_saved:
            for piece in fragments(secret):
                assert piece not in body, f"{url} shows part of a secret"


def test_a_refused_tenant_is_neither_saved_nor_shown(
    manager_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        verify, "verify_microsoft_tenant", lambda tenant: "Microsoft refused the sign-in."
    )
    state = consent_state(manager_client)
    response = manager_client.get(
        "/setup/outlook/consent/", {"state": state, "tenant": TENANT}, follow=True
    )
    body = response.content.decode()
    assert "The tenant could not be used: Microsoft refused the sign-in. Nothing was saved." in body
    assert not MailConnection.objects.filter(method="microsoft365").exists()
    for piece in fragments(TENANT):
        assert piece not in body


def test_error_pages_do_not_echo_a_typed_password(manager_client: Client) -> None:
    response = manager_client.post(
        "/setup/outlook/",
        {
            "enabled": "on",
            "sync_kinds": "both",
            "method": "exchange",
            "username": "bad user",
            "password": PASSWORD,
            "auth_basic": "on",
        },
    )
    body = response.content.decode()
    assert "User name: enter the service account" in body
    for piece in fragments(PASSWORD):
        assert piece not in body


def test_the_admin_never_offers_to_edit_connections(everything_saved: list[str]) -> None:
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    body = admin.get("/admin/connections/mailconnection/").content.decode()
    assert "Add mail connection" not in body
    change = admin.get("/admin/connections/salesforceconnection/1/change/").content.decode()
    assert 'name="_save"' not in change
    fingerprint = SalesforceConnection.objects.get().private_key_fingerprint
    assert fingerprint in change  # shown instead of the key
