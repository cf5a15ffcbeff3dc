"""Every injected fault surfaces the way Google signals it: People in google.rpc shape, Calendar
in the ``errors[]`` shape with usageLimits reasons, connection resets as requests errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from google.auth.transport.requests import AuthorizedSession

from sandbox.server import serve
from sandbox.tls import ensure_certificates
from tests.sandbox.test_google_schema import BASE, Rig, validate

EVENTS = f"{BASE}/calendar/v3/calendars/primary/events"
PEOPLE = f"{BASE}/v1/people/me/connections"
NAMES = {"personFields": "names"}


@pytest.fixture
def rig() -> Rig:
    return Rig()


@pytest.fixture
def api(rig: Rig) -> AuthorizedSession:
    return rig.authed()


def test_people_throttling_is_429_resource_exhausted_with_retry_after(
    rig: Rig, api: AuthorizedSession
) -> None:
    rig.emu.inject("429", route=r"google\.people\..*", retry_after=7)
    answer = api.get(PEOPLE, params=NAMES)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    error = answer.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED" and error["code"] == 429
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert api.get(PEOPLE, params=NAMES).status_code == 200


def test_calendar_throttling_is_429_rate_limit_exceeded_in_usage_limits(
    rig: Rig, api: AuthorizedSession
) -> None:
    rig.emu.inject("429", route=r"google\.calendar\..*", retry_after=3)
    answer = api.get(EVENTS)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    assert answer.json()["error"]["errors"] == [
        {"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}
    ]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("rateLimitExceeded", "Rate Limit Exceeded"),
        ("userRateLimitExceeded", "User Rate Limit Exceeded"),
        ("quotaExceeded", "Calendar usage limits exceeded."),
    ],
)
def test_calendar_quota_faults_are_403_usage_limits(
    rig: Rig, api: AuthorizedSession, kind: str, message: str
) -> None:
    response = rig.session.post(
        f"{BASE}/_control/faults",
        json={"faults": [{"kind": kind, "route": r"google\.calendar\..*"}]},
    )
    assert response.status_code == 200
    answer = api.get(EVENTS)
    assert answer.status_code == 403
    body = answer.json()["error"]
    assert body["code"] == 403 and body["message"] == message
    assert body["errors"][0] == {"domain": "usageLimits", "reason": kind, "message": message}


@pytest.mark.parametrize(
    ("status", "people", "calendar"),
    [(500, "INTERNAL", "backendError"), (503, "UNAVAILABLE", "backendError")],
)
def test_server_errors_take_each_apis_shape(
    rig: Rig, api: AuthorizedSession, status: int, people: str, calendar: str
) -> None:
    rig.emu.inject(str(status), route=r"google\.people\..*")
    assert api.get(PEOPLE, params=NAMES).json()["error"]["status"] == people
    rig.emu.inject(str(status), route=r"google\.calendar\..*")
    answer = api.get(EVENTS)
    assert answer.status_code == status
    assert answer.json()["error"]["errors"][0]["reason"] == calendar


def test_a_reset_surfaces_as_a_connection_error(rig: Rig, api: AuthorizedSession) -> None:
    api.get(EVENTS)
    rig.emu.inject("reset", route=r"google\.calendar\.events\.list")
    with pytest.raises(requests.exceptions.ConnectionError, match="reset"):
        api.get(EVENTS)
    assert api.get(EVENTS).status_code == 200


def test_slow_responses_and_route_latency_delay_the_answer(
    rig: Rig, api: AuthorizedSession
) -> None:
    api.get(EVENTS)
    rig.emu.inject("slow", route=r"google\.calendar\..*", delay=0.2)
    started = time.monotonic()
    assert api.get(EVENTS).status_code == 200
    assert time.monotonic() - started >= 0.2
    rig.emu.set_latency(r"google\.people\..*", 0.1)
    started = time.monotonic()
    api.get(PEOPLE, params=NAMES)
    assert time.monotonic() - started >= 0.1


def test_a_revoke_token_fault_forces_a_new_token(rig: Rig, api: AuthorizedSession) -> None:
    api.get(EVENTS)
    token = api.credentials.token
    rig.emu.inject("revoke_token", route=r"google\.calendar\..*")
    before = rig.emu.authority.token_requests
    assert api.get(EVENTS).status_code == 200
    assert rig.emu.authority.token_requests == before + 1
    stale = rig.session.get(EVENTS, headers={"Authorization": f"Bearer {token}"})
    assert stale.status_code == 401


def test_an_expire_cursor_fault_makes_current_sync_tokens_stale(
    rig: Rig, api: AuthorizedSession
) -> None:
    people = validate(
        "people.people.connections.list",
        api.get(PEOPLE, params={**NAMES, "requestSyncToken": "true", "pageSize": 1000}).json(),
    )
    events = validate("calendar.events.list", api.get(EVENTS, params={"maxResults": 2500}).json())
    rig.emu.inject("expire_cursor", route=r"google\.people\.connections\.list")
    stale = api.get(
        PEOPLE, params={**NAMES, "requestSyncToken": "true", "syncToken": people["nextSyncToken"]}
    )
    assert stale.status_code == 400
    assert stale.json()["error"]["details"][0]["reason"] == "EXPIRED_SYNC_TOKEN"
    gone = api.get(EVENTS, params={"syncToken": events["nextSyncToken"]})
    assert gone.status_code == 410
    assert gone.json()["error"]["errors"][0]["reason"] == "fullSyncRequired"


def test_probabilistic_faults_repeat_for_the_same_seed() -> None:
    def pattern() -> list[int]:
        rig = Rig()
        api = rig.authed()
        api.get(EVENTS)
        rig.emu.reseed(5)
        rig.emu.inject("503", route=r"google\.calendar\..*", times=None, probability=0.5)
        return [api.get(EVENTS).status_code for _ in range(12)]

    first = pattern()
    assert first == pattern() and {200, 503} <= set(first)


def test_a_per_user_quota_throttles_each_user_on_the_emulator_clock(
    rig: Rig, api: AuthorizedSession
) -> None:
    rig.emu.seed({"quotas": {r"google\.calendar\..*": 3, r"google\.people\..*": 1}})
    assert [api.get(EVENTS).status_code for _ in range(4)] == [200, 200, 200, 403]
    limited = api.get(EVENTS).json()["error"]["errors"][0]
    assert limited == {
        "domain": "usageLimits",
        "reason": "userRateLimitExceeded",
        "message": "User Rate Limit Exceeded",
    }
    assert rig.authed(subject=rig.other).get(EVENTS).status_code == 200
    assert api.get(PEOPLE, params=NAMES).status_code == 200
    throttled = api.get(PEOPLE, params=NAMES)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    rig.emu.clock.advance(61)
    assert api.get(EVENTS).status_code == 200
    rig.emu.clear_faults()
    assert all(api.get(EVENTS).status_code == 200 for _ in range(5))


def test_over_https_resets_and_slow_answers_reach_the_client_as_network_errors(
    tmp_path: Path,
) -> None:
    rig = Rig()
    ca, cert, key = ensure_certificates(tmp_path)
    server, _thread = serve(rig.emu, "127.0.0.1", 0, cert, key)
    try:
        base = f"https://127.0.0.1:{server.server_address[1]}"
        session = requests.Session()
        session.trust_env = False
        headers = {"Authorization": f"Bearer {rig.token()}"}
        url = f"{base}/calendar/v3/calendars/primary/events"
        assert session.get(url, headers=headers, verify=str(ca), timeout=10).status_code == 200
        rig.emu.inject("reset", route=r"google\.calendar\..*")
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(url, headers=headers, verify=str(ca), timeout=10)
        rig.emu.inject("slow", route=r"google\.calendar\..*", delay=1.0)
        with pytest.raises(requests.exceptions.ReadTimeout):
            session.get(url, headers=headers, verify=str(ca), timeout=0.3)
    finally:
        server.shutdown()
