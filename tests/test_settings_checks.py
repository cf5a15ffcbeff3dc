from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

from lsync_site import checks
from lsync_site.logging import redact

ROOT = Path(__file__).resolve().parent.parent


def _run_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LSYNC_", "DJANGO_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import lsync_site.settings"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_server_refuses_to_start_without_an_encryption_key(tmp_path: Path) -> None:
    result = _run_settings({"LSYNC_SECRET_KEY": "x" * 50, "LSYNC_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "LSYNC_ENCRYPTION_KEY is not set" in result.stderr


def test_the_demo_generates_its_keys_under_var(tmp_path: Path) -> None:
    result = _run_settings({"LSYNC_DEMO": "1", "LSYNC_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo-encryption-key").read_text()
    assert (tmp_path / "demo-secret-key").read_text() != (
        tmp_path / "demo-encryption-key"
    ).read_text()


def test_an_encryption_key_equal_to_the_secret_key_is_an_error() -> None:
    with override_settings(SECRET_KEY="k" * 40, LSYNC_ENCRYPTION_KEY="k" * 40):
        ids = {m.id for m in checks.check_secrets()}
    assert "lsync.E001" in ids


def test_a_short_encryption_key_is_an_error() -> None:
    with override_settings(LSYNC_ENCRYPTION_KEY="short"):
        ids = {m.id for m in checks.check_secrets()}
    assert "lsync.E002" in ids


def test_a_plain_http_endpoint_is_an_error() -> None:
    with override_settings(LSYNC_GRAPH_URL="http://graph.example.com/v1.0"):
        messages = checks.check_endpoints()
    assert [m.id for m in messages] == ["lsync.E003"]
    assert "LSYNC_GRAPH_URL" in messages[0].msg


def test_a_missing_ca_bundle_is_an_error(tmp_path: Path) -> None:
    with override_settings(LSYNC_CA_BUNDLE=str(tmp_path / "nope.pem")):
        assert [m.id for m in checks.check_endpoints()] == ["lsync.E004"]


def test_retry_not_above_timeout_is_an_error() -> None:
    with override_settings(Q_CLUSTER={"timeout": 600, "retry": 600}):
        assert [m.id for m in checks.check_task_queue()] == ["lsync.E005"]


def test_the_shipped_queue_settings_keep_retry_above_timeout() -> None:
    assert checks.check_task_queue() == []


def test_log_redaction_hides_tokens_keys_and_passwords() -> None:
    line = (
        "POST token: access_token=eyJabc.def password=hunter2 "
        "Authorization: Bearer abc.def "
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"
    )
    cleaned = redact(line)
    for secret in ("eyJabc.def", "hunter2", "abc.def", "MIIE"):
        assert secret not in cleaned
