from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from connections.models import AuditEntry, MailConnection
from tests.connections.conftest import raw_column

pytestmark = pytest.mark.django_db

PASSWORD = "Sv3-Exchange-pässword-91f0"


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "enabled": "on",
        "sync_kinds": "both",
        "method": "exchange",
        "username": "svcacct@awcomputing.com",
        "password": PASSWORD,
        "ews_url": "",
        "auth_basic": "on",
        "additional_domains": "awcomputing.net, awcomputing.de",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def save(client: Client, **overrides: Any) -> str:
    response = client.post("/setup/outlook/", form(**overrides), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def exchange() -> MailConnection:
    return MailConnection.objects.get(method="exchange")


def test_a_service_account_is_saved_with_its_password_encrypted(manager_client: Client) -> None:
    body = save(manager_client)
    conn = exchange()
    assert (conn.username, conn.password, conn.enabled, conn.chosen) == (
        "svcacct@awcomputing.com",
        PASSWORD,
        True,
        True,
    )
    assert conn.additional_domains == ["awcomputing.net", "awcomputing.de"]
    assert conn.status == "saved"
    assert list(MailConnection.active()) == [conn]
    assert "settings saved" in body
    stored = raw_column("connections_mailconnection", "password", "method = 'exchange'")
    assert PASSWORD.encode() not in stored
    assert b"Exchange" not in stored


@pytest.mark.parametrize("username", ["awcomputing.com\\svcacct", "AWCOMPUTING\\svcacct"])
def test_domain_backslash_user_names_are_accepted(manager_client: Client, username: str) -> None:
    save(manager_client, username=username)
    assert exchange().username == username


@pytest.mark.parametrize(
    "username", ["svcacct", "svc acct@awcomputing.com", "svcacct@", "a\\b@c.com", "svcacct@nodot"]
)
def test_a_malformed_user_name_is_rejected_and_nothing_saved(
    manager_client: Client, username: str
) -> None:
    body = save(manager_client, username=username)
    assert "User name: enter the service account as user@domain" in body
    assert "DOMAIN\\user" in body
    assert 'aria-describedby="id_username_error id_username_helptext"' in body
    assert "Nothing was saved" in body
    assert not MailConnection.objects.exists()
    assert not AuditEntry.objects.exists()


def test_one_bad_domain_in_the_list_is_named_and_nothing_saved(manager_client: Client) -> None:
    body = save(manager_client, additional_domains="awcomputing.net, aw_computing!.com, ok.org")
    assert "Additional domains: &quot;aw_computing!.com&quot; is not a domain name" in body
    assert "separated by commas" in body
    assert not MailConnection.objects.exists()


def test_an_http_ews_url_is_refused(manager_client: Client) -> None:
    body = save(manager_client, ews_url="http://mail.example.com/EWS/Exchange.asmx")
    assert "EWS URL: enter an https:// address" in body
    assert not MailConnection.objects.exists()


def test_at_least_one_authentication_is_required(manager_client: Client) -> None:
    body = save(manager_client, auth_basic=None)
    assert "Authentication: choose Basic, NTLM or both" in body
    assert not MailConnection.objects.exists()


def test_turning_sync_on_needs_a_user_name_and_password(manager_client: Client) -> None:
    body = save(manager_client, username="", password="")
    assert "User name: enter the service account" in body
    assert "Password: enter the service account" in body
    assert not MailConnection.objects.exists()


def test_a_blank_password_keeps_the_stored_one(manager_client: Client) -> None:
    save(manager_client)
    save(manager_client, password="", auth_ntlm="on")
    conn = exchange()
    assert conn.password == PASSWORD
    assert conn.auth_ntlm is True
    assert AuditEntry.objects.order_by("-id")[0].fields == ["auth_ntlm"]


def test_the_clear_box_removes_the_stored_password(manager_client: Client) -> None:
    save(manager_client)
    save(manager_client, password="", clear_password="on", enabled=None)
    conn = exchange()
    assert conn.password == ""
    assert conn.status == "not_configured"
    assert AuditEntry.objects.order_by("-id")[0].fields == ["enabled", "password"]


def test_clearing_while_sync_stays_on_is_refused(manager_client: Client) -> None:
    save(manager_client)
    body = save(manager_client, password="", clear_password="on")
    assert "Password: enter the service account" in body
    assert exchange().password == PASSWORD


def test_the_password_input_is_write_only_and_not_copyable(manager_client: Client) -> None:
    save(manager_client)
    body = manager_client.get("/setup/outlook/").content.decode()
    tag = body[body.index('<input type="password"') :]
    tag = tag[: tag.index(">")]
    for attribute in (
        'autocomplete="new-password"',
        "data-lsync-secret",  # static/js/secret-fields.js blocks copy, cut and drag
    ):
        assert attribute in tag
    assert "value=" not in tag
    assert PASSWORD not in body
    assert "A password is stored" in body


def test_choosing_oauth_moves_the_toggle_to_microsoft_365(manager_client: Client) -> None:
    save(manager_client)
    body = save(manager_client, method="microsoft365", password="")
    assert "Sync stays off until a Global Administrator gives consent" in body
    assert not MailConnection.active().exists()
    m365 = MailConnection.objects.get(method="microsoft365")
    assert (m365.chosen, m365.enabled) == (True, True)
    assert (exchange().chosen, exchange().enabled) == (False, False)
    assert exchange().password == PASSWORD
    assert "method" in AuditEntry.objects.order_by("-id")[0].fields


def test_audit_entries_name_fields_but_never_hold_values(
    manager_client: Client, manager: Any
) -> None:
    save(manager_client)
    entry = AuditEntry.objects.get()
    assert entry.user == manager
    assert entry.page == "outlook"
    assert "password" in entry.fields
    assert "username" in entry.fields
    dumped = repr(list(AuditEntry.objects.values()))
    assert PASSWORD not in dumped
    assert "svcacct" not in dumped


@pytest.mark.parametrize("url", ["https://169.254.169.254/EWS/Exchange.asmx", "https://[fe80::2]/EWS/Exchange.asmx"])  # fmt: skip
def test_an_ews_url_at_a_link_local_address_is_refused_naming_the_field(
    manager_client: Client, url: str
) -> None:
    body = save(manager_client, ews_url=url)
    assert "EWS URL: " in body and "is a link-local or cloud metadata address" in body
    assert not MailConnection.objects.filter(method="exchange").exists()


def test_an_ews_url_on_a_private_network_is_allowed(manager_client: Client) -> None:
    save(manager_client, ews_url="https://192.168.10.5/EWS/Exchange.asmx")
    assert exchange().ews_url == "https://192.168.10.5/EWS/Exchange.asmx"
