"""The Calendar multipart batch endpoint, through google-api-python-client over real HTTPS
(httplib2 + google-auth-httplib2, as the library ships) and as a raw multipart request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
import pytest
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox.google.keys import generate_service_account_key
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from tests.sandbox.test_google_schema import BASE, SCOPES, Rig, validate


class Https:
    def __init__(self, rig: Rig, base: str, ca: Path) -> None:
        info, public = generate_service_account_key(
            base + "/token", client_email="batch@p.iam.gserviceaccount.com"
        )
        client_id = rig.emu.register_service_account(
            info["client_email"], info["private_key_id"], public
        )
        rig.emu.grant_delegation(client_id, SCOPES)
        credentials = service_account.Credentials.from_service_account_info(
            info, scopes=SCOPES, subject=rig.user
        )
        raw = httplib2.Http(ca_certs=str(ca), proxy_info=None, timeout=10)
        # BatchHttpRequest refreshes invalid credentials over a fresh httplib2.Http() that knows
        # nothing of our CA, so hold a valid token before batching.
        credentials.refresh(google_auth_httplib2.Request(raw))
        self.http = google_auth_httplib2.AuthorizedHttp(credentials, http=raw)
        self.base = base
        self.service = build(
            "calendar", "v3", http=self.http, static_discovery=True,
            client_options={"api_endpoint": base + "/calendar/v3/"},
        )  # fmt: skip

    def people(self) -> Any:
        return build(
            "people", "v1", http=self.http, static_discovery=True,
            client_options={"api_endpoint": self.base + "/"},
        )  # fmt: skip

    def batch(self, callback: Any) -> BatchHttpRequest:
        return BatchHttpRequest(callback=callback, batch_uri=self.base + "/batch/calendar/v3")


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[Rig, Https]]:
    rig = Rig()
    ca, cert, key = ensure_certificates(tmp_path)
    server, _thread = serve(rig.emu, "127.0.0.1", 0, cert, key)
    try:
        yield rig, Https(rig, f"https://127.0.0.1:{server.server_address[1]}", ca)
    finally:
        server.shutdown()


def _event(n: int) -> dict[str, Any]:
    return {"summary": f"Lot {n}", "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"},
            "extendedProperties": {"private": {"sfId": f"00U{n:012d}"}}}  # fmt: skip


def test_googleapiclient_batches_inserts_and_reads_each_answer(https: tuple[Rig, Https]) -> None:
    rig, client = https
    answers: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Exception | None) -> None:
        answers[request_id] = exception or response

    batch = client.batch(collect)
    for n in range(3):
        batch.add(
            client.service.events().insert(
                calendarId="primary", body=_event(n), sendUpdates="none"
            ),
            request_id=f"r{n}",
        )
    batch.add(
        client.service.events().get(calendarId="primary", eventId="nosuchevent0"),
        request_id="missing",
    )
    batch.execute()
    assert sorted(answers) == ["missing", "r0", "r1", "r2"]
    for n in range(3):
        assert validate("calendar.events.insert", answers[f"r{n}"])["summary"] == f"Lot {n}"
    assert isinstance(answers["missing"], HttpError) and answers["missing"].status_code == 404
    assert len(rig.emu.events(rig.user, include_cancelled=True)) >= 3


def test_a_throttled_part_fails_alone_with_usage_limits(https: tuple[Rig, Https]) -> None:
    rig, client = https
    rig.emu.inject("userRateLimitExceeded", route=r"google\.calendar\.events\.insert")
    results: list[Any] = []
    batch = client.batch(lambda _id, response, exc: results.append(exc or response))
    for n in range(3):
        batch.add(client.service.events().insert(calendarId="primary", body=_event(n)))
    batch.execute()
    errors = [r for r in results if isinstance(r, HttpError)]
    assert len(errors) == 1 and errors[0].status_code == 403
    assert errors[0].error_details[0]["reason"] == "userRateLimitExceeded"
    assert errors[0].error_details[0]["domain"] == "usageLimits"


def test_googleapiclient_sees_rate_limits_as_google_sends_them_and_retries(
    https: tuple[Rig, Https],
) -> None:
    rig, client = https
    rig.emu.inject("rateLimitExceeded", route=r"google\.calendar\.events\.list")
    with pytest.raises(HttpError) as caught:
        client.service.events().list(calendarId="primary").execute()
    assert caught.value.status_code == 403 and caught.value.reason == "Rate Limit Exceeded"
    rig.emu.inject("429", route=r"google\.calendar\.events\.list")
    request = client.service.events().list(calendarId="primary")
    request._sleep = lambda seconds: None
    assert validate("calendar.events.list", request.execute(num_retries=1))["items"]


def test_a_raw_multipart_batch_echoes_content_ids(rig: Rig | None = None) -> None:
    rig = Rig()
    session = rig.authed()
    boundary = "xyz"
    parts = []
    for n, (method, path, body) in enumerate([
        ("POST", "/calendar/v3/calendars/primary/events", '{"summary": "a", "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}}'),
        ("GET", "/calendar/v3/calendars/primary/events?maxResults=1", ""),
        ("GET", "/v1/people/me/connections?personFields=names", ""),
    ]):  # fmt: skip
        parts.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{n}>\r\n\r\n"
            f"{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{body}\r\n"
        )
    payload = "".join(parts) + f"--{boundary}--\r\n"
    answer = session.post(f"{BASE}/batch/calendar/v3", data=payload.encode(),
                          headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    text = answer.text
    assert [f"Content-ID: <response-item{n}>" in text for n in range(3)] == [True] * 3
    assert text.count("HTTP/1.1 200 OK") == 2 and "HTTP/1.1 400 Bad Request" in text


def test_a_batch_needs_multipart_and_at_most_1000_parts() -> None:
    rig = Rig()
    session = rig.authed()
    plain = session.post(f"{BASE}/batch/calendar/v3", json={})
    assert plain.status_code == 400
    part = "--b\r\nContent-Type: application/http\r\n\r\nGET /calendar/v3/calendars/primary/events/x HTTP/1.1\r\n\r\n\r\n"
    big = session.post(f"{BASE}/batch/calendar/v3", data=(part * 1001 + "--b--\r\n").encode(),
                       headers={"Content-Type": "multipart/mixed; boundary=b"})  # fmt: skip
    assert big.status_code == 400 and "1000" in big.json()["error"]["message"]


def test_googleapiclient_drives_the_people_api(https: tuple[Rig, Https]) -> None:
    rig, client = https
    people = client.people()
    created = (
        people.people()
        .createContact(
            body={
                "names": [{"givenName": "Łukasz"}],
                "clientData": [{"key": "sfId", "value": "003X"}],
            },
            personFields="names,clientData",
        )
        .execute()
    )
    validate("people.people.createContact", created)
    updated = (
        people.people()
        .updateContact(
            resourceName=created["resourceName"],
            updatePersonFields="names",
            personFields="names",
            body={
                "etag": created["etag"],
                "names": [{"givenName": "Łukasz", "familyName": "Øberg"}],
            },
        )
        .execute()
    )
    assert validate("people.people.updateContact", updated)["names"][0]["familyName"] == "Øberg"
    listed = (
        people.people()
        .connections()
        .list(resourceName="people/me", personFields="names", requestSyncToken=True, pageSize=1000)
        .execute()
    )
    names = {
        p["resourceName"] for p in validate("people.people.connections.list", listed)["connections"]
    }
    assert created["resourceName"] in names
    stale = (
        people.people()
        .connections()
        .list(resourceName="people/me", personFields="names", syncToken=listed["nextSyncToken"])
    )
    rig.emu.expire_cursors()
    with pytest.raises(HttpError) as caught:
        stale.execute()
    assert caught.value.status_code == 400
    assert caught.value.error_details[0]["reason"] == "EXPIRED_SYNC_TOKEN"
