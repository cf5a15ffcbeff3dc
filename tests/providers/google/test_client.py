"""The Google client: the batch wire format, error parsing, their translation to store errors,
token renewal, and a real HTTPS round trip with a private CA while REQUESTS_CA_BUNDLE is set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from connections import http
from connections.providers.google.batch import BatchCall, decode, encode
from connections.providers.google.client import (
    SCOPES,
    GoogleApiError,
    GoogleAuthError,
    GoogleClient,
    clear_credentials_cache,
    error_from,
)
from connections.providers.google.errors import store_error
from connections.providers.google.stores.contacts import GoogleContactsStore
from connections.providers.google.stores.events import GoogleEventsStore
from sandbox.google.app import GoogleEmulator
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from syncengine.stores.base import (
    AuthFailed,
    Create,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
    VersionMismatch,
)
from tests.contract.store_contract import sample
from tests.providers.google.conftest import USER, GoogleRig, service_account_key


def test_batch_calls_encode_as_http_parts_and_answers_decode_by_content_id() -> None:
    calls = [
        BatchCall("POST", "calendars/primary/events", {"sendUpdates": "none"}, {"summary": "Å"}),
        BatchCall("DELETE", "calendars/primary/events/abc", {}, None, {"If-Match": '"1"'}),
    ]
    content_type, body = encode(calls, "/calendar/v3")
    boundary = content_type.split("boundary=")[1]
    parts = body.decode().split("--" + boundary)
    assert "POST /calendar/v3/calendars/primary/events?sendUpdates=none HTTP/1.1" in parts[1]
    assert "Content-ID: <item-0>" in parts[1] and '{"summary": "\\u00c5"}' in parts[1]
    assert "DELETE /calendar/v3/calendars/primary/events/abc HTTP/1.1" in parts[2]
    assert 'If-Match: "1"' in parts[2]
    answer = (
        b"--b\r\nContent-Type: application/http\r\nContent-ID: <response-item-1>\r\n\r\n"
        b"HTTP/1.1 204 No Content\r\n\r\n\r\n"
        b"--b\r\nContent-Type: application/http\r\nContent-ID: <response-item-0>\r\n\r\n"
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"id": "x1"}\r\n'
        b"--b--\r\n"
    )
    first, second = decode("multipart/mixed; boundary=b", answer, 2)
    assert (first.status, first.body) == (200, {"id": "x1"})
    assert (second.status, second.ok) == (204, True)


def test_a_call_the_batch_response_leaves_out_gets_a_500() -> None:
    (only,) = decode("multipart/mixed; boundary=b", b"--b--\r\n", 1)
    assert only.status == 500 and not only.ok


def test_both_google_error_shapes_are_read() -> None:
    calendar = {"error": {"errors": [{"reason": "fullSyncRequired", "message": "m"}], "code": 410,
                          "message": "Sync token is no longer valid"}}  # fmt: skip
    people = {"error": {"code": 400, "message": "expired", "status": "FAILED_PRECONDITION",
                        "details": [{"reason": "EXPIRED_SYNC_TOKEN"}]}}  # fmt: skip
    assert error_from(410, calendar, None).reason == "fullSyncRequired"
    assert error_from(400, people, None).reason == "EXPIRED_SYNC_TOKEN"
    assert error_from(429, {}, "12", "Too many").retry_after == 12
    assert error_from(502, "not json", None, "Bad Gateway").message == "Bad Gateway"


TRANSLATIONS: list[tuple[GoogleApiError, type[ProviderError]]] = [
    (GoogleApiError(429, "rateLimitExceeded", "slow down", 5), RateLimited),
    (GoogleApiError(403, "userRateLimitExceeded", "slow down"), RateLimited),
    (GoogleApiError(403, "quotaExceeded", "daily limit"), RateLimited),
    (GoogleApiError(403, "insufficientPermissions", "no"), AuthFailed),
    (GoogleApiError(401, "authError", "Invalid Credentials"), AuthFailed),
    (GoogleAuthError(401, "unauthorized_client", "not authorized"), AuthFailed),
    (GoogleAuthError(429, "rate_limit_exceeded", "Rate Limit Exceeded"), RateLimited),
    (GoogleApiError(410, "fullSyncRequired", "full sync"), CursorExpired),
    (GoogleApiError(400, "EXPIRED_SYNC_TOKEN", "expired"), CursorExpired),
    (GoogleApiError(404, "notFound", "Not Found"), NotFound),
    (GoogleApiError(410, "deleted", "Resource has been deleted"), NotFound),
    (GoogleApiError(412, "conditionNotMet", "Precondition Failed"), VersionMismatch),
    (GoogleApiError(400, "FAILED_PRECONDITION", "stale etag"), VersionMismatch),
    (GoogleApiError(400, "invalid", "Invalid value"), Rejected),
    (GoogleApiError(403, "forbiddenForNonOrganizer", "only the organizer"), Rejected),
    (GoogleApiError(409, "duplicate", "exists"), Rejected),
]


@pytest.mark.parametrize(
    ("error", "expected"), TRANSLATIONS, ids=[e.reason for e, _ in TRANSLATIONS]
)
def test_client_errors_become_store_errors(
    error: GoogleApiError, expected: type[ProviderError]
) -> None:
    assert type(store_error(error)) is expected


@pytest.mark.parametrize("status", [0, 500, 503])
def test_network_failures_and_server_errors_are_worth_a_retry(status: int) -> None:
    translated = store_error(GoogleApiError(status, "backendError", "oops"))
    assert type(translated) is ProviderError and not translated.permanent


def test_rate_limit_hints_follow_retry_after_then_the_kind_of_limit() -> None:
    assert store_error(GoogleApiError(429, "rateLimitExceeded", "", 7)).retry_after == 7  # type: ignore[attr-defined]
    assert store_error(GoogleApiError(403, "rateLimitExceeded", "")).retry_after == 30  # type: ignore[attr-defined]
    assert store_error(GoogleApiError(403, "quotaExceeded", "")).retry_after == 3600  # type: ignore[attr-defined]


def test_a_revoked_access_token_is_renewed_and_the_call_repeated(google: GoogleRig) -> None:
    store = google.contacts()
    store.group()
    before = google.emu.authority.token_requests
    google.emu.revoke_tokens()
    assert store.changes(None).changed == []
    assert google.emu.authority.token_requests == before + 1


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[GoogleEmulator, str, Path]]:
    ca, cert, key = ensure_certificates(tmp_path)
    app = GoogleEmulator(seed=3)
    server, _thread = serve(app, "127.0.0.1", 0, cert, key)
    try:
        yield app, f"https://127.0.0.1:{server.server_address[1]}", ca
    finally:
        server.shutdown()


def test_the_stores_work_over_https_with_a_private_ca_despite_requests_ca_bundle(
    served: tuple[GoogleEmulator, str, Path], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, base, ca = served
    info, public = service_account_key()
    client_id = app.register_service_account(info["client_email"], info["private_key_id"], public)
    app.grant_delegation(client_id, SCOPES)
    app.add_user(USER)
    for name, value in GoogleEmulator.product_env(base).items():
        setattr(settings, name, value)
    settings.LSYNC_CA_BUNDLE = str(ca)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", requests.certs.where())
    clear_credentials_cache()
    assert http.build_session().verify == str(ca)
    contacts = GoogleContactsStore(GoogleClient(info, USER))
    events = GoogleEventsStore(GoogleClient(info, USER), USER)
    assert contacts.apply([Create("c", sample("contacts", 1))])[0].ok
    assert events.apply([Create("e", sample("events", 1))])[0].ok
    assert len(contacts.changes(None).changed) == 1
    assert len(events.changes(None).changed) == 1
    clear_credentials_cache()
    assert json.loads(json.dumps(app.state()))["users"][USER]["contacts"] == 1
