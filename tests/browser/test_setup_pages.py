from __future__ import annotations

import json
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Permission, User

from connections.models import MailConnection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Br0wser-typed-secret-4471"
SCREENSHOTS = os.environ.get("LSYNC_SCREENSHOT_DIR", "")


def shot(page: Any, name: str) -> None:
    """Screenshots are for looking at the pages by hand, never committed."""
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def log_in(page: Any, live_server: Any) -> None:
    user = User.objects.create_user("admin1", "admin1@example.com", "pw-admin1-long")
    user.user_permissions.add(Permission.objects.get(codename="manage_sync"))
    page.goto(f"{live_server.url}/setup/")
    assert "/accounts/login/" in page.url
    shot(page, "login")
    page.get_by_label("User name").fill("admin1")
    page.get_by_label("Password").fill("pw-admin1-long")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/setup/")
    shot(page, "setup-home")


def key_json(**overrides: Any) -> bytes:
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = {
        "type": "service_account",
        "private_key_id": "abcdef0123456789",
        "private_key": pem.decode(),
        "client_email": "sync@acme-project.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
        **overrides,
    }
    return json.dumps(info).encode()


def test_the_service_account_password_is_write_only(page: Any, live_server: Any) -> None:
    log_in(page, live_server)
    page.get_by_role("navigation", name="Setup").get_by_role(
        "link", name="Outlook Integration and Sync"
    ).click()
    page.get_by_text("Let users sync contacts, events, or both between Microsoft Exchange").click()
    page.get_by_label("Service Account").check()
    page.get_by_label("User name").fill("svcacct@awcomputing.com")
    password = page.get_by_label("Password", exact=True)
    password.fill(PASSWORD)
    assert password.input_value() == PASSWORD  # typing works
    for kind in ("copy", "cut", "dragstart"):
        cancelled = password.evaluate(
            "(el, kind) => { const e = new Event(kind, {cancelable: true, bubbles: true});"
            " el.dispatchEvent(e); return e.defaultPrevented; }",
            kind,
        )
        assert cancelled, f"{kind} out of the password field is not blocked"
    assert password.get_attribute("type") == "password"
    page.get_by_label("Additional domains").fill("awcomputing.net")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Outlook Integration and Sync settings saved.").wait_for()
    assert MailConnection.objects.get(method="exchange").password == PASSWORD

    page.reload()
    shot(page, "outlook")
    assert page.get_by_label("Password", exact=True).input_value() == ""
    html = page.content()
    for start in range(0, len(PASSWORD) - 6, 3):
        assert PASSWORD[start : start + 7] not in html
    assert page.get_by_text("A password is stored").is_visible()


def test_a_bad_google_key_is_explained_and_a_good_one_summarised(
    page: Any, live_server: Any, tmp_path: Any
) -> None:
    log_in(page, live_server)
    page.get_by_role("navigation", name="Setup").get_by_role(
        "link", name="Google Integration and Sync"
    ).click()
    bad = tmp_path / "user-credentials.json"
    bad.write_bytes(json.dumps({"type": "authorized_user", "client_id": "x"}).encode())
    page.get_by_label("Service account key (JSON file)").set_input_files(str(bad))
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator("#id_key_file_error")
    error.wait_for()
    assert "not a service-account key" in error.inner_text()
    described = page.get_by_label("Service account key (JSON file)").get_attribute(
        "aria-describedby"
    )
    assert described is not None and "id_key_file_error" in described
    shot(page, "google-error")
    assert not MailConnection.objects.filter(method="google").exists()

    good = tmp_path / "service-account.json"
    good.write_bytes(key_json())
    page.get_by_label("Service account key (JSON file)").set_input_files(str(good))
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Google settings saved.").wait_for()
    assert page.locator("#google-client-email").inner_text() == (
        "sync@acme-project.iam.gserviceaccount.com"
    )
    assert "PRIVATE KEY" not in page.content()
    shot(page, "google-saved")
