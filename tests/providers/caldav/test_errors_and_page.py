"""DAV answers as the engine's errors, and the setup page's validation and write-only password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from connections.models import MailConnection
from connections.providers.caldav import webdav
from connections.providers.caldav.client import DavError
from connections.providers.caldav.errors import retry_after_seconds, store_error
from connections.providers.caldav.forms import check_url_template
from connections.providers.caldav.models import CalDavSettings
from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
    VersionMismatch,
)
from tests.providers.caldav.conftest import BASE, PASSWORD, SERVICE, TEMPLATE, Dav


@pytest.mark.parametrize(
    ("status", "conditions", "retry_after", "expected", "permanent"),
    [
        (401, (), "", AuthFailed, True),
        (403, (), "", AuthFailed, True),
        (403, (webdav.VALID_SYNC_TOKEN,), "", CursorExpired, False),
        (404, (), "", NotFound, True),
        (412, (), "", VersionMismatch, False),
        (429, (), "7", RateLimited, False),
        (503, (), "30", RateLimited, False),
        (503, (), "", ProviderError, False),
        (0, (), "", ProviderError, False),
        (415, (), "", Rejected, True),
    ],
)
def test_each_answer_becomes_the_engines_error(
    status: int, conditions: tuple[str, ...], retry_after: str, expected: type, permanent: bool
) -> None:
    error = store_error(
        DavError(status, "x", conditions=frozenset(conditions), retry_after=retry_after)
    )
    assert type(error) is expected and error.permanent is permanent
    if isinstance(error, RateLimited):
        assert error.retry_after == float(retry_after)


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Mon, 07 Dec 2026 12:01:00 GMT", now) == 60
    assert retry_after_seconds("soon", now) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("http://dav.example.com/{email}/", "not_https"),
        ("https://dav.example.com/users/", "no_placeholder"),
        ("https://dav.example.com/{login}/", "unknown_placeholder"),
        ("https://{user}.example.com/", "placeholder_in_host"),
        ("https://169.254.169.254/{email}/", "link_local"),
    ],
)
def test_a_wrong_url_template_is_refused_with_its_own_error(value: str, code: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        check_url_template(value)
    assert caught.value.code == code or code == "link_local", caught.value.code


@pytest.mark.django_db
def test_the_page_saves_settings_and_never_shows_the_password(
    admin_client: Client, dav: Dav
) -> None:
    data: dict[str, Any] = {
        "enabled": "on", "sync_kinds": "both", "domains": "fjord.example", "auth": "delegation",
        "url_template": TEMPLATE, "username": SERVICE, "password": PASSWORD,
    }  # fmt: skip
    answer = admin_client.post("/setup/caldav/", data)
    assert answer.status_code == 302
    row = MailConnection.objects.get(method="caldav")
    assert row.password == PASSWORD and row.dav_url_template.endswith("{email}/")
    page = admin_client.get("/setup/caldav/").content.decode()
    assert PASSWORD not in page and "A password is stored" in page
    assert admin_client.post("/setup/caldav/", {**data, "password": ""}).status_code == 302
    assert MailConnection.objects.get(method="caldav").password == PASSWORD
    refused = admin_client.post("/setup/caldav/", {**data, "url_template": "https://dav/x/"})
    assert "name where each user" in refused.content.decode()


@pytest.mark.django_db
def test_app_passwords_per_user_are_added_listed_by_address_and_never_shown(
    admin_client: Client, dav: Dav
) -> None:
    for login, password in [("kari@fjord.example", "app-pass-kari-1"), ("ola2", "app-pass-ola-2"),
                            ("bo@fjord.example", "app-pass-bo-3")]:  # fmt: skip
        dav.server.add_user(login, password)
    data: dict[str, Any] = {
        "enabled": "on", "sync_kinds": "both", "domains": "fjord.example", "auth": "per_user",
        "url_template": BASE + "/",
        "user_passwords": "Kari@fjord.example app-pass-kari-1\nola@fjord.example ola2 app-pass-ola-2",
    }  # fmt: skip
    assert admin_client.post("/setup/caldav/", data).status_code == 302
    admin_client.post(
        "/setup/caldav/", {**data, "user_passwords": "bo@fjord.example app-pass-bo-3"}
    )
    settings = CalDavSettings.load()
    assert settings.per_user and settings.user_passwords == {
        "kari@fjord.example": ("kari@fjord.example", "app-pass-kari-1"),
        "ola@fjord.example": ("ola2", "app-pass-ola-2"),
        "bo@fjord.example": ("bo@fjord.example", "app-pass-bo-3"),
    }
    page = admin_client.get("/setup/caldav/").content.decode()
    assert "kari@fjord.example" in page and "app-pass" not in page
    refused = admin_client.post(
        "/setup/caldav/", {**data, "user_passwords": "not-an-address app-pass-typo-4"}
    )
    assert "line 1 does not start with an e-mail address" in refused.content.decode()
    assert "app-pass-typo-4" not in refused.content.decode()


@pytest.mark.django_db
def test_the_admin_shows_how_many_app_passwords_are_stored_never_one(admin_client: Client) -> None:
    from connections.providers.caldav.models import PER_USER, write_user_passwords

    row = MailConnection.objects.create(
        method="caldav", dav_auth=PER_USER, dav_url_template="https://dav.fjord.example/",
        dav_user_passwords=write_user_passwords({"kari@fjord.example": ("kari", "app-pass-xyz-1")}),
    )  # fmt: skip
    page = admin_client.get(f"/admin/connections/mailconnection/{row.pk}/change/").content.decode()
    assert "CalDAV app passwords stored" in page
    assert "app-pass-xyz-1" not in page
