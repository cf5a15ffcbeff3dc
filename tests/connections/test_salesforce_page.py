from __future__ import annotations

import pytest
from django.test import Client

from connections.models import AuditEntry, SalesforceConnection, Status
from syncengine import budget
from tests.connections.conftest import raw_column, upload

pytestmark = pytest.mark.django_db


def post(client: Client, key: bytes | None, **fields: str) -> object:
    data: dict[str, object] = {
        "login_url": "https://login.salesforce.com",
        "consumer_key": "3MVG9-consumer-key",
        "api_version": "62.0",
        **fields,
    }
    if key is not None:
        data["private_key"] = upload("server.key", key)
    return client.post("/setup/salesforce/", data, follow=True)


def test_a_valid_key_is_stored_encrypted_and_only_its_fingerprint_shows(
    manager_client: Client, rsa_pem: bytes
) -> None:
    response = post(manager_client, rsa_pem)
    conn = SalesforceConnection.objects.get()
    assert conn.private_key == rsa_pem.decode()
    assert conn.status == "saved"
    assert len(conn.private_key_fingerprint.split(":")) == 32
    body = response.content.decode()  # type: ignore[attr-defined]
    assert conn.private_key_fingerprint in body
    assert "PRIVATE KEY-----\n" not in body
    stored = raw_column("connections_salesforceconnection", "private_key")
    assert b"PRIVATE KEY" not in stored
    assert rsa_pem.split(b"\n")[1][:20] not in stored


def test_a_file_that_is_not_pem_is_rejected_naming_the_field(manager_client: Client) -> None:
    response = post(manager_client, b"\x00\x01 definitely not a key")
    body = response.content.decode()  # type: ignore[attr-defined]
    assert "Private key: this file is not a PEM private key" in body
    assert "-----BEGIN PRIVATE KEY-----" in body  # says what to upload instead
    assert 'aria-describedby="id_private_key_error id_private_key_helptext"' in body
    assert not SalesforceConnection.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_certificate_is_rejected_with_what_to_upload_instead(manager_client: Client) -> None:
    cert = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    body = post(manager_client, cert).content.decode()  # type: ignore[attr-defined]
    assert "this file is a certificate, which holds only the public key" in body
    assert not SalesforceConnection.objects.exists()


def test_short_rsa_and_non_rsa_keys_are_rejected(
    manager_client: Client, small_rsa_pem: bytes, ec_pem: bytes
) -> None:
    assert "the RSA key has 1024 bits" in post(manager_client, small_rsa_pem).content.decode()  # type: ignore[attr-defined]
    assert "Salesforce signs with RSA" in post(manager_client, ec_pem).content.decode()  # type: ignore[attr-defined]
    assert not SalesforceConnection.objects.exists()


def test_an_upload_above_16_kib_is_refused_with_its_size(manager_client: Client) -> None:
    body = post(manager_client, b"A" * (17 * 1024)).content.decode()  # type: ignore[attr-defined]
    assert (
        "Private key (PEM file): the private key file is 17 KiB; at most 16 KiB is accepted."
        in body
    )
    assert not SalesforceConnection.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("login_url", "http://login.salesforce.com", "Login URL: enter an https:// address"),
        ("login_url", "https://acme.my.salesforce.com/path", "Login URL: enter only the site"),
        ("api_version", "62", "API version: enter a Salesforce API version such as 62.0"),
    ],
)
def test_bad_fields_save_nothing_not_even_a_valid_key(
    manager_client: Client, rsa_pem: bytes, field: str, value: str, message: str
) -> None:
    body = post(manager_client, rsa_pem, **{field: value}).content.decode()  # type: ignore[attr-defined]
    assert message in body
    assert "Nothing was saved" in body
    assert not SalesforceConnection.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        "https://acme.my.salesforce.com/",
    ],
)
def test_production_sandbox_and_my_domain_urls_are_accepted(
    manager_client: Client, rsa_pem: bytes, url: str
) -> None:
    post(manager_client, rsa_pem, login_url=url)
    assert SalesforceConnection.objects.get().login_url == url.rstrip("/")


def test_saving_again_without_a_file_keeps_the_key(manager_client: Client, rsa_pem: bytes) -> None:
    post(manager_client, rsa_pem)
    post(manager_client, None, consumer_key="another-key")
    conn = SalesforceConnection.objects.get()
    assert conn.private_key == rsa_pem.decode()
    assert conn.consumer_key == "another-key"
    fields = [entry.fields for entry in AuditEntry.objects.order_by("id")]
    assert fields == [
        ["consumer_key", "private_key"],  # login URL and API version kept their defaults
        ["consumer_key"],
    ]


def test_the_first_save_needs_a_key(manager_client: Client) -> None:
    body = post(manager_client, None).content.decode()  # type: ignore[attr-defined]
    assert "Private key: upload the PEM private key" in body
    assert not SalesforceConnection.objects.exists()


def test_every_form_error_names_its_field_even_django_s_own(manager_client: Client) -> None:
    """Issue 12 item 8: the bare "This field is required." and "Ensure this value has at most
    10 characters" named no field."""
    body = post(
        manager_client, None, login_url="", consumer_key="", api_version="x" * 40
    ).content.decode()  # type: ignore[attr-defined]
    assert "Login URL: this field is required." in body
    assert "Consumer key: this field is required." in body
    assert "API version: ensure this value has at most 10 characters (it has 40)." in body
    assert "Private key: upload the PEM private key" in body
    assert ">This field is required." not in body and ">Ensure this value" not in body


def test_a_public_key_uploaded_as_the_private_key_is_called_a_public_key(
    manager_client: Client, rsa_pem: bytes
) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(rsa_pem, password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    body = post(manager_client, public).content.decode()  # type: ignore[attr-defined]
    assert "Private key: this file is a public key." in body
    assert "does not hold a readable private key" not in body
    assert not SalesforceConnection.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254",
        "https://[fe80::1]",
        "https://0xa9fea9fe",
        "https://2852039166",
        "https://[::ffff:169.254.169.254]",
        "https://metadata.google.internal",
    ],
)
def test_a_login_url_at_a_link_local_or_metadata_address_is_refused(
    manager_client: Client, rsa_pem: bytes, url: str
) -> None:
    """Issue 12 item 9: an admin-entered endpoint must not reach the cloud metadata service."""
    body = post(manager_client, rsa_pem, login_url=url).content.decode()  # type: ignore[attr-defined]
    assert "Login URL: " in body and "is a link-local or cloud metadata address" in body
    assert not SalesforceConnection.objects.exists()


def test_a_login_url_on_a_private_network_is_allowed(
    manager_client: Client, rsa_pem: bytes
) -> None:
    post(manager_client, rsa_pem, login_url="https://10.20.30.40:8443")
    assert SalesforceConnection.objects.get().login_url == "https://10.20.30.40:8443"


def test_the_admin_sets_the_share_without_unverifying_the_connection(
    manager_client: Client, rsa_pem: bytes
) -> None:
    post(manager_client, rsa_pem)
    SalesforceConnection.objects.update(status=Status.VERIFIED)
    post(manager_client, None, api_budget_percent="5")
    conn = SalesforceConnection.objects.get()
    assert (conn.api_budget_percent, conn.status) == (5, Status.VERIFIED)
    assert budget.percent_allowed() == 5


@pytest.mark.parametrize("value", ["0", "101"])
def test_a_share_outside_1_to_100_is_refused_naming_the_field(
    manager_client: Client, rsa_pem: bytes, value: str
) -> None:
    post(manager_client, rsa_pem)
    body = post(manager_client, None, api_budget_percent=value).content.decode()  # type: ignore[attr-defined]
    assert "enter a whole percentage from 1 to 100" in body
    # Named once: "(label): (label): …" read as a stutter on the page.
    assert body.count("share of the daily API allocation") == body.count("(%)")
    assert SalesforceConnection.objects.get().api_budget_percent == 10
