"""Test Connection and the consent verification against the emulator: one message per failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from connections.models import MailConnection, Status
from connections.providers.microsoft.checks import run_checks
from connections.verify import verify_microsoft_tenant
from tests.providers.microsoft.conftest import CLIENT_ID, TENANT, USER, Microsoft


def messages(steps: list) -> dict[str, tuple[bool, str]]:
    return {s.name: (s.ok, s.message) for s in steps}


def test_every_step_passes_for_a_consented_tenant_and_a_licensed_user(microsoft: Microsoft) -> None:
    steps = run_checks(USER, tenant_id=TENANT)
    assert [s.name for s in steps] == [
        "Sign in to Microsoft 365", "Permissions", "Mailbox", "Contacts folder", "Calendar",
        "Write access",
    ]  # fmt: skip
    assert all(s.ok for s in steps), steps
    assert "will be created on the first sync" in steps[3].message
    assert microsoft.emulator.mailbox(USER).contacts == {}  # the probe contact is gone again


@pytest.mark.django_db
def test_the_stored_tenant_is_used_when_none_is_given(microsoft: Microsoft) -> None:
    MailConnection.objects.create(method="microsoft365", tenant_id=TENANT, status=Status.SAVED)
    assert all(s.ok for s in run_checks(None))


@pytest.mark.django_db
def test_without_a_stored_tenant_the_admin_is_told_to_log_in(microsoft: Microsoft) -> None:
    (step,) = run_checks(USER)
    assert (
        not step.ok
        and "Log in to Microsoft 365' on the Outlook setup page as a Global Administrator"
        in step.message
    )


def test_missing_consent_says_how_to_grant_it(microsoft: Microsoft) -> None:
    microsoft.emulator.revoke_consent(TENANT, CLIENT_ID)
    (step,) = run_checks(USER, tenant_id=TENANT)
    assert not step.ok
    assert "has not been granted access" in step.message
    assert "as a Global Administrator" in step.message


def test_a_wrong_client_secret_is_named(microsoft: Microsoft, settings: Any) -> None:
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = "not-the-secret"
    (step,) = run_checks(USER, tenant_id=TENANT)
    assert "client secret of lsync's Microsoft app is wrong or has expired" in step.message


def test_an_unknown_tenant_is_named(microsoft: Microsoft) -> None:
    (step,) = run_checks(USER, tenant_id="00000000-0000-0000-0000-000000000000")
    assert (
        "Microsoft does not know the tenant '00000000-0000-0000-0000-000000000000'" in step.message
    )


def test_a_missing_permission_is_named(microsoft: Microsoft) -> None:
    microsoft.emulator.grant_consent(TENANT, CLIENT_ID, {"Calendars.ReadWrite"})
    result = messages(run_checks(USER, tenant_id=TENANT))
    ok, message = result["Permissions"]
    assert not ok and "lacks the permission Contacts.ReadWrite" in message


def test_a_user_without_exchange_online_is_told_to_get_a_licence(microsoft: Microsoft) -> None:
    microsoft.emulator.add_mailbox(
        TENANT, "no.licence@nordvik.example", "No Licence", has_mailbox=False
    )
    ok, message = messages(run_checks("no.licence@nordvik.example", tenant_id=TENANT))["Mailbox"]
    assert not ok
    assert message.startswith(
        "The user no.licence@nordvik.example has no Exchange Online mailbox: assign an Exchange "
        "Online licence"
    )


def test_an_unknown_user_is_named(microsoft: Microsoft) -> None:
    ok, message = messages(run_checks("nobody@nordvik.example", tenant_id=TENANT))["Mailbox"]
    assert not ok and "Microsoft 365 has no user nobody@nordvik.example" in message


def test_an_application_access_policy_is_named(microsoft: Microsoft) -> None:
    microsoft.emulator.block_mailbox(USER)
    ok, message = messages(run_checks(USER, tenant_id=TENANT))["Mailbox"]
    assert not ok and "application access policy" in message


def test_a_certificate_signs_in_and_the_thumbprint_is_read_from_the_pem(
    microsoft: Microsoft, settings: Any, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lsync")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    (tmp_path / "app.pem").write_text(key_pem + cert_pem)
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = ""
    settings.LSYNC_MICROSOFT_CERT_PATH = str(tmp_path / "app.pem")
    (step,) = run_checks(USER, tenant_id=TENANT)[:1]
    assert not step.ok and "did not accept lsync's certificate" in step.message
    microsoft.emulator.register_app(CLIENT_ID, certificate_pem=cert_pem)
    assert all(s.ok for s in run_checks(USER, tenant_id=TENANT))


def test_consent_verification_accepts_a_consented_tenant(microsoft: Microsoft) -> None:
    assert verify_microsoft_tenant(TENANT) is None


def test_consent_verification_refuses_a_tenant_without_consent(microsoft: Microsoft) -> None:
    microsoft.emulator.revoke_consent(TENANT, CLIENT_ID)
    problem = verify_microsoft_tenant(TENANT)
    assert problem and "has not been granted access to this Microsoft 365 tenant" in problem


def test_consent_verification_refuses_a_forged_tenant(microsoft: Microsoft) -> None:
    problem = verify_microsoft_tenant("11111111-2222-4333-8444-555555555555")
    assert problem and "Microsoft does not know the tenant" in problem


def test_item5_permissions_are_checked_by_calling_graph_even_with_an_opaque_token(
    microsoft: Microsoft,
) -> None:
    """Issue 12 item 5: tokens are opaque; the checks never read their claims."""
    microsoft.emulator.directory.opaque_tokens = True
    steps = run_checks(USER, tenant_id=TENANT)
    assert [s.name for s in steps] == [
        "Sign in to Microsoft 365", "Permissions", "Mailbox", "Contacts folder", "Calendar",
        "Write access",
    ]  # fmt: skip
    assert all(s.ok for s in steps), steps


def test_item5_a_missing_permission_is_found_by_graph_refusing_with_an_opaque_token(
    microsoft: Microsoft,
) -> None:
    microsoft.emulator.directory.opaque_tokens = True
    microsoft.emulator.grant_consent(TENANT, CLIENT_ID, {"Contacts.ReadWrite"})
    ok, message = messages(run_checks(USER, tenant_id=TENANT))["Permissions"]
    assert not ok and "lacks the permission Calendars.ReadWrite" in message
    assert "Contacts.ReadWrite" not in message
