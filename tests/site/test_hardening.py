"""Issue 12 item 9: a Content-Security-Policy without inline script, HTTPS settings that pass
`check --deploy`, no-store on setup and status pages, and a demo whose files only its owner reads."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.django_db


def clean_env(**extra: str) -> dict[str, str]:
    # The demo runs on SQLite whatever database the suite itself runs on.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LSYNC_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_page_sends_a_content_security_policy_without_inline_script(
    manager_client: Client,
) -> None:
    for path in ("/accounts/login/", "/setup/", "/status/"):
        policy = manager_client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'", path
        assert "unsafe" not in policy
        assert directives["frame-ancestors"] == "'none'"


def test_setup_and_status_pages_are_never_stored_by_a_browser_or_proxy(
    manager_client: Client,
) -> None:
    for path in ("/setup/", "/setup/salesforce/", "/status/", "/setup/sync-configurations/"):
        cache = manager_client.get(path)["Cache-Control"]
        assert "no-store" in cache and "private" in cache, path
    assert "no-store" in Client().get("/accounts/login/")["Cache-Control"]


def test_https_turns_on_hsts_and_the_redirect_so_check_deploy_is_clean(tmp_path: Path) -> None:
    keys = {
        "LSYNC_SECRET_KEY": "deploy-check-secret-key-0123456789-abcdefghijklmnopq",
        "LSYNC_ENCRYPTION_KEY": "deploy-check-encryption-key-0123456789-abcdefghijkl",
        "LSYNC_ALLOWED_HOSTS": "lsync.example.com",
        "LSYNC_VAR_DIR": str(tmp_path),
    }
    secure = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_env(**keys, LSYNC_HTTPS="true"))  # fmt: skip
    assert secure.returncode == 0, secure.stdout + secure.stderr
    assert "no issues" in secure.stdout
    plain = manage("check", "--deploy", env=clean_env(**keys))
    for warning in ("security.W004", "security.W008", "lsync.W003"):
        assert warning in plain.stderr, plain.stderr  # the same check does catch plain HTTP


def test_https_settings_redirect_plain_http_and_send_hsts(
    manager_client: Client, settings: object
) -> None:
    settings.SECURE_SSL_REDIRECT = True  # type: ignore[attr-defined]
    settings.SECURE_HSTS_SECONDS = 31536000  # type: ignore[attr-defined]
    assert manager_client.get("/setup/").status_code == 301
    secure = manager_client.get("/setup/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_demo_writes_its_keys_and_database_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    env = clean_env(LSYNC_DEMO="1", LSYNC_VAR_DIR=str(var))
    # As a shell with the usual umask would start it.
    result = subprocess.run(
        ["sh", "-c", f"umask 022 && {sys.executable} manage.py migrate --noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    files = [var / "demo-secret-key", var / "demo-encryption-key", var / "lsync.sqlite3"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(var.stat().st_mode) == 0o700


def test_the_demo_script_makes_everything_it_writes_owner_only() -> None:
    script = (ROOT / "scripts" / "demo.sh").read_text()
    lines = [line.strip() for line in script.splitlines()]
    umask = lines.index("umask 077")
    first_write = next(i for i, line in enumerate(lines) if line.startswith("mkdir -p var"))
    assert umask < first_write  # before the first file or directory is made
    assert "chmod -R go-rwx var" in lines
