"""The CalDAV setup page signs in to the server before it stores settings that turn sync on
(against a real Radicale): a refused account, a refused app password or an unreachable server is
named on its field with the server's URL, nothing is saved, and no password is shown again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from connections.models import MailConnection
from tests.providers.caldav.conftest import BASE, PASSWORD, SERVICE, TEMPLATE, USER, Dav

pytestmark = pytest.mark.django_db

WRONG = "a-wrong-dav-password-typed"
DELEGATED: dict[str, Any] = {
    "enabled": "on", "sync_kinds": "both", "domains": "nordvik.example", "auth": "delegation",
    "url_template": TEMPLATE, "username": SERVICE, "password": PASSWORD,
}  # fmt: skip


def errors_of(answer: Any, field: str) -> str:
    return " ".join(answer.context["form"].errors.get(field, []))


def test_a_wrong_password_is_refused_on_its_field_and_nothing_is_saved(
    admin_client: Client, dav: Dav
) -> None:
    answer = admin_client.post("/setup/caldav/", {**DELEGATED, "password": WRONG})
    assert answer.status_code == 200
    message = errors_of(answer, "password")
    assert message.startswith("Password: the server at https://dav.sandbox.test/ refused")
    assert SERVICE in message and "type its password again" in message
    assert "Nothing was saved" in answer.content.decode()
    assert WRONG not in answer.content.decode()
    assert not MailConnection.objects.filter(method="caldav").exists()


def test_a_wrong_new_password_keeps_the_stored_settings_as_they_were(
    admin_client: Client, dav: Dav
) -> None:
    assert admin_client.post("/setup/caldav/", DELEGATED).status_code == 302
    answer = admin_client.post(
        "/setup/caldav/", {**DELEGATED, "password": WRONG, "domains": "fjord.example"}
    )
    assert answer.status_code == 200 and errors_of(answer, "password")
    row = MailConnection.objects.get(method="caldav")
    assert row.password == PASSWORD and row.additional_domains == ["nordvik.example"]


def test_the_right_password_is_saved_and_the_page_says_the_server_accepted_it(
    admin_client: Client, dav: Dav
) -> None:
    answer = admin_client.post("/setup/caldav/", DELEGATED, follow=True)
    page = answer.content.decode()
    assert f"the server accepted the service account {SERVICE}" in page
    assert PASSWORD not in page
    assert MailConnection.objects.get(method="caldav").password == PASSWORD


def test_an_unreachable_server_is_named_on_the_url_template_and_nothing_is_saved(
    admin_client: Client, dav: Dav
) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused.
    answer = admin_client.post(
        "/setup/caldav/", {**DELEGATED, "url_template": "https://127.0.0.1:9/{email}/"}
    )
    message = errors_of(answer, "url_template")
    assert message.startswith("Principal URL template: the server at https://127.0.0.1:9/")
    assert "could not be reached" in message
    assert not MailConnection.objects.filter(method="caldav").exists()


def test_a_refused_app_password_names_its_address_and_is_never_shown_again(
    admin_client: Client, dav: Dav
) -> None:
    data = {
        **DELEGATED, "auth": "per_user", "url_template": BASE + "/", "username": "", "password": "",
        "user_passwords": f"{USER} {WRONG}",
    }  # fmt: skip
    answer = admin_client.post("/setup/caldav/", data)
    message = errors_of(answer, "user_passwords")
    assert message.startswith(f"App passwords: the server at {BASE}/ refused {USER}")
    assert WRONG not in answer.content.decode()
    assert not MailConnection.objects.filter(method="caldav").exists()


def test_settings_saved_with_sync_off_say_they_were_not_checked(admin_client: Client) -> None:
    data = {**DELEGATED, "url_template": "https://dav.fjord.example/{email}/"}
    del data["enabled"]
    answer = admin_client.post("/setup/caldav/", data, follow=True)
    assert "not checked against the server since sync is off" in answer.content.decode()
    assert MailConnection.objects.get(method="caldav").password == PASSWORD
