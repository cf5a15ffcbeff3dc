"""The CalDAV setup page in a real browser: a wrong URL template is explained next to its field,
a good save keeps the password write-only, and the app-password addresses are listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connections import http
from connections.models import MailConnection
from sandbox.radicale import RadicaleServer
from tests.browser.test_setup_pages import log_in, shot
from tests.providers.caldav.conftest import PASSWORD, SERVICE, TEMPLATE, routed_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def radicale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RadicaleServer:
    """The page signs in before it saves: a real server, reached in-process by the live server."""
    server = RadicaleServer(tmp_path / "radicale", service=(SERVICE, PASSWORD))
    monkeypatch.setattr(http, "build_session", routed_session(server.app))
    return server


def test_the_caldav_page_explains_a_wrong_template_and_never_shows_the_password(
    page: Any, live_server: Any, radicale: RadicaleServer
) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/setup/caldav/")
    page.locator("label[for=id_enabled] .slds-checkbox_faux").click()  # as a person does
    page.get_by_label("E-mail domains").fill("fjord.example")
    page.get_by_label("Principal URL template").fill("https://dav.sandbox.test/users/")
    page.get_by_label("Service account", exact=True).fill(SERVICE)
    page.get_by_label("Password", exact=True).fill("a-wrong-dav-password")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#id_url_template_error")
    assert "name where each user's collections are with {email}" in error.inner_text()
    shot(page, "caldav-error")
    assert not MailConnection.objects.filter(method="caldav").exists()

    page.get_by_label("Principal URL template").fill(TEMPLATE)
    page.get_by_label("Password", exact=True).fill("a-wrong-dav-password")
    page.get_by_role("button", name="Save").click()
    assert "refused the service account" in page.locator("#id_password_error").inner_text()
    assert "a-wrong-dav-password" not in page.content()
    assert not MailConnection.objects.filter(method="caldav").exists()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#caldav-password-stored")
    shot(page, "caldav-saved")
    assert PASSWORD not in page.content()
    assert page.get_by_label("Password", exact=True).input_value() == ""
    assert MailConnection.objects.get(method="caldav").password == PASSWORD


def test_app_passwords_are_masked_while_typed_and_listed_by_address_after_saving(
    page: Any, live_server: Any
) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/setup/caldav/")
    page.get_by_label("Principal URL template").fill("https://dav.fjord.example/")
    page.locator("label[for=id_auth_1]").click()  # SLDS draws the radio over the input
    field = page.get_by_label("App passwords")
    field.fill("kari@fjord.example app-pass-kari-1")
    assert field.evaluate("e => getComputedStyle(e).webkitTextSecurity") == "disc"
    page.get_by_role("button", name="Save").click()
    stored = page.locator("#caldav-users-stored")
    assert "kari@fjord.example" in stored.inner_text()
    shot(page, "caldav-app-passwords")
    assert "app-pass-kari-1" not in page.content()
