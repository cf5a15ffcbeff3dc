"""Bad input on the Outlook page for the Service Account (Exchange) method: each named on its
field, nothing saved; settings that sign in are saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from connections.models import MailConnection
from sandbox.tls import ensure_certificates
from tests.providers.exchange.conftest import PASSWORD, SERVICE, Exchange, exchange
from tests.providers.exchange.test_checks import https_exchange

__all__ = ["exchange", "https_exchange"]  # fixtures used here

pytestmark = pytest.mark.django_db


def post(client: Client, **fields: Any) -> str:
    data = {"enabled": "on", "sync_kinds": "both", "method": "exchange", "username": SERVICE,
            "password": PASSWORD, "auth_basic": "on", "additional_domains": ""}  # fmt: skip
    data.update({k: v for k, v in fields.items() if v is not None})
    return client.post("/setup/outlook/", data).content.decode()


@pytest.mark.parametrize(
    ("ews_url", "expected"),
    [
        ("http://mail.nordvik.example/EWS/Exchange.asmx", "EWS URL: enter an https:// address"),
        ("mail dot nordvik", "EWS URL: enter an https:// address"),
        ("https://outlook.office365.com/EWS/Exchange.asmx", "choose the OAuth 2.0"),
    ],
)
def test_a_bad_ews_url_is_named_and_nothing_is_saved(
    manager_client: Client, ews_url: str, expected: str
) -> None:
    body = post(manager_client, ews_url=ews_url)
    assert expected in body.replace("&#x27;", "'")
    assert not MailConnection.objects.filter(method="exchange").exists()


def test_an_unreachable_host_is_named_on_the_ews_url_and_nothing_is_saved(
    manager_client: Client, exchange: Exchange, exchange_verify_on_save: None
) -> None:
    body = post(manager_client, ews_url="https://nowhere.sandbox.test/EWS/Exchange.asmx")
    assert "EWS URL: https://nowhere.sandbox.test/EWS/Exchange.asmx could not be reached" in body
    assert not MailConnection.objects.filter(method="exchange").exists()


def test_a_wrong_password_is_named_on_the_password_and_nothing_is_saved(
    manager_client: Client, exchange: Exchange, exchange_verify_on_save: None
) -> None:
    body = post(manager_client, ews_url=exchange.settings.ews_url, password="wrong")
    assert "Password: Exchange refused the service account&#x27;s sign-in" in body
    assert not MailConnection.objects.filter(method="exchange").exists()


def test_an_untrusted_certificate_is_named_on_the_ews_url_and_nothing_is_saved(
    manager_client: Client, https_exchange: Any, settings: Any, tmp_path: Path,
    exchange_verify_on_save: None,
) -> None:  # fmt: skip
    url, _ = https_exchange
    other_ca, _, _ = ensure_certificates(tmp_path / "other")
    settings.LSYNC_CA_BUNDLE = str(other_ca)
    body = post(manager_client, ews_url=url)
    assert "EWS URL: Exchange&#x27;s certificate is not trusted" in body
    assert not MailConnection.objects.filter(method="exchange").exists()


def test_settings_that_sign_in_are_saved(
    manager_client: Client, exchange: Exchange, exchange_verify_on_save: None
) -> None:
    post(manager_client, ews_url=exchange.settings.ews_url)
    conn = MailConnection.objects.get(method="exchange")
    assert (conn.enabled, conn.username, conn.ews_url) == (True, SERVICE, exchange.settings.ews_url)


def test_a_down_level_user_name_with_autodiscover_is_saved_to_be_tested_with_a_user(
    manager_client: Client, exchange_verify_on_save: None
) -> None:
    post(manager_client, username="NORDVIK\\svc-lsync", ews_url="")
    conn = MailConnection.objects.get(method="exchange")
    assert (conn.username, conn.ews_url, conn.enabled) == ("NORDVIK\\svc-lsync", "", True)
