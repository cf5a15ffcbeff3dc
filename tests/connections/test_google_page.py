from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from connections.models import AuditEntry, MailConnection
from tests.connections.conftest import raw_column, upload

pytestmark = pytest.mark.django_db


def post(client: Client, key: bytes | None, **fields: Any) -> str:
    data: dict[str, Any] = {"enabled": "on", "sync_kinds": "both", **fields}
    if key is not None:
        data["key_file"] = upload("key.json", key, "application/json")
    response = client.post(
        "/setup/google/", {k: v for k, v in data.items() if v is not None}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def nothing_saved() -> bool:
    return not MailConnection.objects.exists() and not AuditEntry.objects.exists()


def test_a_service_account_key_is_stored_encrypted_and_summarised(
    manager_client: Client, google_key: Callable[..., bytes], rsa_pem: bytes
) -> None:
    body = post(manager_client, google_key())
    conn = MailConnection.objects.get(method="google")
    assert json.loads(conn.service_account_key)["type"] == "service_account"
    assert conn.client_email == "lsync@lsync-test.iam.gserviceaccount.com"
    assert conn.private_key_id == "0123456789abcdef0123456789abcdef01234567"
    assert (conn.enabled, conn.status) == (True, "saved")
    assert conn.client_email in body and conn.private_key_id in body
    assert "Replace key (JSON file)" in body and "Remove key" in body
    stored = raw_column("connections_mailconnection", "service_account_key", "method = 'google'")
    assert b"service_account" not in stored and b"client_email" not in stored
    assert rsa_pem.split(b"\n")[1][:24] not in stored


def test_an_authorized_user_json_is_explained_and_refused(
    manager_client: Client, google_key: Callable[..., bytes]
) -> None:
    body = post(manager_client, google_key(type="authorized_user", private_key=None))
    assert "Key file: this is an OAuth client/user credential, not a service-account key" in body
    assert "in Google Cloud console create a key for the service account" in body
    assert 'aria-describedby="id_key_file_error id_key_file_helptext"' in body
    assert nothing_saved()


def test_a_5_mb_upload_is_refused_with_a_clear_message(manager_client: Client) -> None:
    body = post(manager_client, b"{" + b" " * (5 * 1024 * 1024) + b"}")
    assert (
        "Service account key (JSON file): the service account key file is 5120 KiB; at most "
        "64 KiB is accepted." in body
    )
    assert nothing_saved()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_email": None}, 'Key file: "client_email" is missing'),
        ({"client_email": "not-an-address"}, 'Key file: "client_email" is missing or not'),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
            'Key file "private_key": the file looks like PEM',
        ),
        (
            {"private_key": "just text"},
            'Key file "private_key": this file is not a PEM private key',
        ),
        (
            {"token_uri": "http://oauth2.googleapis.com/token"},
            'Key file: "token_uri" must be an https URL',
        ),
        ({"token_uri": None}, 'Key file: "token_uri" must be an https URL'),
        ({"type": "something_else"}, "Key file: \"type\" is 'something_else'"),
    ],
)
def test_broken_keys_name_the_field_and_what_to_do(
    manager_client: Client,
    google_key: Callable[..., bytes],
    overrides: dict[str, Any],
    message: str,
) -> None:
    body = post(manager_client, google_key(**overrides))
    assert escape(message) in body
    assert nothing_saved()


def test_a_file_that_is_not_json_is_refused(manager_client: Client) -> None:
    body = post(manager_client, b"\x89PNG\r\n")
    assert "Key file: this is not a JSON file" in body
    assert nothing_saved()


def test_turning_sync_on_needs_a_key(manager_client: Client) -> None:
    body = post(manager_client, None)
    assert "upload the JSON key before turning sync on" in body
    assert nothing_saved()


def test_saving_without_a_file_keeps_the_key(
    manager_client: Client, google_key: Callable[..., bytes]
) -> None:
    post(manager_client, google_key())
    post(manager_client, None, sync_kinds="events")
    conn = MailConnection.objects.get(method="google")
    assert conn.sync_kinds == "events"
    assert conn.client_email == "lsync@lsync-test.iam.gserviceaccount.com"
    assert AuditEntry.objects.order_by("-id")[0].fields == ["sync_kinds"]


def test_remove_deletes_the_key_and_turns_sync_off(
    manager_client: Client, google_key: Callable[..., bytes]
) -> None:
    post(manager_client, google_key())
    body = manager_client.post("/setup/google/remove/", follow=True).content.decode()
    conn = MailConnection.objects.get(method="google")
    assert (conn.service_account_key, conn.client_email, conn.enabled) == ("", "", False)
    assert conn.status == "not_configured"
    assert "lsync@lsync-test" not in body
    assert AuditEntry.objects.order_by("-id")[0].action == "remove"


def test_a_key_whose_token_uri_is_a_link_local_address_is_refused(
    manager_client: Client, google_key: Any
) -> None:
    body = post(manager_client, google_key(token_uri="https://169.254.169.254/token"))
    assert (
        escape('Key file "token_uri": 169.254.169.254 is a link-local or cloud metadata address')
        in body
    )
    assert nothing_saved()
