"""The JWT bearer login, the token cache, re-login on INVALID_SESSION_ID, API limits, and how
the stores turn Salesforce's failures into engine errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import jwt
import pytest

from connections.providers.salesforce import client as client_module
from connections.providers.salesforce.client import (
    LoginError,
    SalesforceClient,
    audience_for,
    make_assertion,
    parse_usage,
)
from connections.providers.salesforce.cursor import Cursor
from connections.providers.salesforce.stores import build_store
from syncengine.models import SyncUser
from syncengine.stores.base import AuthFailed, CursorExpired, RateLimited
from tests.providers.conftest import SalesforceSetup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://partners.acme.com/portal", "https://partners.acme.com"),
        ("https://salesforce.sandbox.test:8441", "https://salesforce.sandbox.test:8441"),
    ],
)
def test_the_audience_follows_the_login_url(login_url: str, audience: str) -> None:
    assert audience_for(login_url) == audience


def test_the_assertion_names_the_app_the_user_and_expires_within_three_minutes(
    salesforce_connection: SalesforceSetup,
) -> None:
    token = make_assertion(
        salesforce_connection.private_key, "key", "ana@example.com", "https://login.salesforce.com"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "key",
        "ana@example.com",
        "https://login.salesforce.com",
    )
    assert 0 < claims["exp"] - time.time() <= 180


def client_for(setup: SalesforceSetup, username: str) -> SalesforceClient:
    return SalesforceClient(
        setup.login_url, setup.consumer_key, setup.private_key, username, "62.0"
    )


def test_tokens_are_cached_per_user_and_a_revoked_session_logs_in_again_once(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    emulator = salesforce_connection.emulator
    first = client_for(salesforce_connection, "ana@example.com")
    list(first.query("SELECT Id FROM Contact"))
    second = client_for(salesforce_connection, "ana@example.com")
    list(second.query("SELECT Id FROM Contact"))
    assert len(emulator.auth.sessions) == 1
    emulator.revoke_tokens()
    assert list(second.query("SELECT Id FROM Contact")) == []
    assert len(emulator.auth.sessions) == 1
    assert second.api_calls == 3  # one query, the refused one, and its retry


def test_the_last_limit_header_is_kept(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    client = client_for(salesforce_connection, "ana@example.com")
    list(client.query("SELECT Id FROM Contact"))
    list(client.query("SELECT Id FROM Contact"))
    assert parse_usage(client.limit_info) == (2, 15000)
    assert parse_usage("api-usage=25/15000;per-app-api-usage=17/250(appName=x)") == (25, 15000)


def test_a_refused_login_is_a_login_error_with_salesforces_code(
    salesforce_connection: SalesforceSetup,
) -> None:
    client = client_for(salesforce_connection, "nobody@example.com")
    with pytest.raises(LoginError) as caught:
        client.login()
    assert caught.value.code == "invalid_grant"


def test_stores_report_a_refused_login_as_auth_failed_in_plain_words(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    user = make_sync_user("ana@example.com")
    salesforce_connection.emulator.set_user_active(user.salesforce_user_id, False)
    with pytest.raises(AuthFailed, match="deactivated"):
        build_store(user, "contacts").changes(None)


def test_the_daily_limit_is_rate_limited_with_a_long_retry_and_the_usage_is_exposed(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    user = make_sync_user("ana@example.com")
    store = build_store(user, "contacts")
    store.changes(None)
    salesforce_connection.emulator.api_limit = salesforce_connection.emulator.api_usage()
    with pytest.raises(RateLimited) as caught:
        store.changes(None)
    assert caught.value.retry_after == 3600
    assert store.limit_info.startswith("api-usage=")  # type: ignore[attr-defined]


def test_a_cursor_older_than_the_delete_log_is_expired(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    user = make_sync_user("ana@example.com")
    store = build_store(user, "contacts")
    cursor = Cursor.decode(store.changes(None).cursor or "")
    old = replace(cursor, at=cursor.at - timedelta(days=16)).encode()
    calls = store.api_calls
    with pytest.raises(CursorExpired):
        store.changes(old)
    assert store.api_calls == calls  # known without asking Salesforce


def test_an_unreadable_cursor_is_expired(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    store = build_store(make_sync_user("ana@example.com"), "contacts")
    with pytest.raises(CursorExpired):
        store.changes("yesterday")


def test_the_token_cache_can_be_cleared() -> None:
    client_module._cache[("u", "k", "n")] = client_module.Token("t", "https://x", "005", 0.0)
    client_module.clear_token_cache()
    assert client_module._cache == {}


def test_a_full_listing_works_when_salesforces_clock_is_ahead_and_its_log_was_just_purged(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    store = build_store(make_sync_user("ana@example.com"), "contacts")
    salesforce_connection.emulator.clock.advance(120)
    salesforce_connection.emulator.expire_cursors()
    page = store.changes(None)
    assert page.full and page.cursor


def test_every_user_of_an_org_signs_with_one_parsed_key(
    salesforce_connection: SalesforceSetup,
) -> None:
    client_module._signing_key.cache_clear()
    for user in ("ana@example.com", "bo@example.com", "cy@example.com"):
        make_assertion(salesforce_connection.private_key, "key", user, "https://x.example")
    info = client_module._signing_key.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_a_key_that_is_not_rsa_is_reported_as_unusable_in_plain_words() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(LoginError) as caught:
        make_assertion(pem, "key", "ana@example.com", "https://x.example")
    assert caught.value.code == "invalid_private_key"
    assert "not an RSA key" in caught.value.message
    assert "PRIVATE KEY" not in str(caught.value)
