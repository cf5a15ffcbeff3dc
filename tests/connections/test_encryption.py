from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from connections.crypto import decrypt_value, encrypted_fields
from connections.models import MailConnection, SalesforceConnection
from connections.rotation import RotationError, rotate
from tests.connections.conftest import raw_column

pytestmark = pytest.mark.django_db

OLD = "tests-only-encryption-key-0123456789-abcdefghij"
NEW = "a-brand-new-encryption-key-for-the-rotation-test-000"


@pytest.fixture
def stored() -> None:
    SalesforceConnection.objects.create(pk=1, private_key="PEM-TEXT", consumer_key="ck")
    MailConnection.objects.create(method="exchange", password="p@ss-1", username="u@example.com")
    MailConnection.objects.create(method="microsoft365", tenant_id="tenant-guid-1234")
    MailConnection.objects.create(method="google", service_account_key='{"k": 1}')


def raw_secrets() -> list[bytes]:
    return [
        raw_column("connections_salesforceconnection", "private_key"),
        *[
            raw_column("connections_mailconnection", column, f"method = '{method}'")
            for method in ("exchange", "microsoft365", "google")
            for column in ("password", "tenant_id", "service_account_key")
        ],
    ]


def test_every_secret_column_is_encrypted() -> None:
    names = {f"{model.__name__}.{field.name}" for model, field in encrypted_fields()}
    assert names >= {
        "MailConnection.password",
        "MailConnection.dav_user_passwords",
        "MailConnection.service_account_key",
        "MailConnection.tenant_id",
        "SalesforceConnection.private_key",
    }


def test_secrets_are_stored_under_the_encryption_key_alone(stored: None) -> None:
    token = raw_column("connections_mailconnection", "password", "method = 'exchange'")
    assert b"p@ss-1" not in token
    assert decrypt_value(token, OLD) == "p@ss-1"
    # Rotating the session signing key must not make stored credentials unreadable.
    with override_settings(SECRET_KEY="a-completely-different-secret-key-0123456789"):
        assert MailConnection.objects.get(method="exchange").password == "p@ss-1"


def test_rotation_round_trips_every_value(stored: None) -> None:
    assert rotate(OLD, NEW) == 13
    token = raw_column("connections_mailconnection", "tenant_id", "method = 'microsoft365'")
    assert decrypt_value(token, NEW) == "tenant-guid-1234"
    with override_settings(LSYNC_ENCRYPTION_KEY=NEW):
        assert MailConnection.objects.get(method="exchange").password == "p@ss-1"
        assert SalesforceConnection.objects.get().private_key == "PEM-TEXT"
        assert MailConnection.objects.get(method="google").service_account_key == '{"k": 1}'
        assert rotate(NEW, OLD) == 13
    assert MailConnection.objects.get(method="exchange").password == "p@ss-1"


def test_a_wrong_old_key_changes_nothing(stored: None) -> None:
    before = raw_secrets()
    with pytest.raises(RotationError, match="cannot be decrypted with the old key"):
        rotate("not-the-key-the-secrets-are-stored-under-0000", NEW)
    assert raw_secrets() == before


def test_one_unreadable_row_stops_the_whole_rotation(stored: None) -> None:
    with override_settings(LSYNC_ENCRYPTION_KEY="some-other-key-that-nobody-uses-0123456789"):
        MailConnection.objects.create(method="stray", password="under another key")
    before = raw_secrets()
    with pytest.raises(RotationError, match=r"MailConnection.password \(id \d+\)"):
        rotate(OLD, NEW)
    assert raw_secrets() == before


def test_the_command_reports_success_and_refuses_bad_input(
    stored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError, match="same as the old key"):
        call_command("rotate_encryption_key", "--old", OLD, "--new", OLD)
    with pytest.raises(CommandError, match="shorter than 32"):
        call_command("rotate_encryption_key", "--old", OLD, "--new", "short")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("rotate_encryption_key", "--old", NEW, "--new", OLD)
    call_command("rotate_encryption_key", "--old", OLD, "--new", NEW)
    assert "Re-encrypted 13 stored values" in capsys.readouterr().out
    with override_settings(LSYNC_ENCRYPTION_KEY=NEW):
        assert MailConnection.objects.get(method="exchange").password == "p@ss-1"


def test_the_command_reads_keys_from_the_environment_when_asked(
    stored: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LSYNC_OLD_KEY", OLD)
    monkeypatch.setenv("LSYNC_NEW_KEY", NEW)
    call_command(
        "rotate_encryption_key", "--old", "env:LSYNC_OLD_KEY", "--new", "env:LSYNC_NEW_KEY"
    )
    assert "Re-encrypted 13 stored values" in capsys.readouterr().out
    with override_settings(LSYNC_ENCRYPTION_KEY=NEW):
        assert MailConnection.objects.get(method="exchange").password == "p@ss-1"


def test_a_missing_key_variable_names_the_option_and_changes_nothing(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LSYNC_NEW_KEY", raising=False)
    before = raw_column("connections_mailconnection", "password", "method = 'exchange'")
    with pytest.raises(CommandError, match="--new: the environment variable 'LSYNC_NEW_KEY'"):
        call_command("rotate_encryption_key", "--old", OLD, "--new", "env:LSYNC_NEW_KEY")
    assert raw_column("connections_mailconnection", "password", "method = 'exchange'") == before
