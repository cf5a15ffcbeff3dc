"""The service-account token endpoint through google-auth, and bearer tokens on the APIs."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from sandbox.google.keys import GOOGLE_TOKEN_URI, generate_service_account_key
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from tests.sandbox.test_google_schema import BASE, CALENDAR, CONTACTS, SCOPES, Rig, validate

UNAUTHORIZED = (
    "unauthorized_client: Client is unauthorized to retrieve access tokens using this method, "
    "or client not authorized for any of the scopes requested."
)


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_google_auth_gets_a_delegated_token_for_a_domain_user(rig: Rig) -> None:
    credentials = rig.credentials()
    credentials.refresh(AuthRequest(rig.session))
    assert credentials.valid and credentials.token.startswith("ya29.")
    granted = rig.emu.authority.tokens[credentials.token]
    assert granted.subject == rig.user and granted.scopes == frozenset(SCOPES)


def test_the_assertion_is_signed_with_the_registered_key_and_carries_googles_audience(
    rig: Rig,
) -> None:
    seen: list[dict[str, str]] = []
    original = rig.emu.authority._verify

    def spy(assertion: str, audiences: set[str]) -> dict[str, object]:
        seen.append({"kid": jwt.get_unverified_header(assertion)["kid"]})
        claims = original(assertion, audiences)
        seen.append({k: str(v) for k, v in claims.items()})
        return claims

    rig.emu.authority._verify = spy  # type: ignore[method-assign]
    rig.credentials().refresh(AuthRequest(rig.session))
    assert seen[0]["kid"] == rig.info["private_key_id"]
    assert seen[1]["aud"] == GOOGLE_TOKEN_URI and seen[1]["sub"] == rig.user
    assert seen[1]["iss"] == rig.info["client_email"]


def test_an_authorized_session_calls_people_and_calendar(rig: Rig) -> None:
    session = rig.authed()
    people = session.get(f"{BASE}/v1/people/me/connections", params={"personFields": "names"})
    assert people.status_code == 200
    validate("people.people.connections.list", people.json())
    events = session.get(f"{BASE}/calendar/v3/calendars/primary/events")
    assert events.status_code == 200
    validate("calendar.events.list", events.json())
    assert events.json()["summary"] == rig.user


def test_without_delegation_the_token_endpoint_answers_unauthorized_client() -> None:
    rig = Rig(grant=False)
    with pytest.raises(RefreshError) as caught:
        rig.credentials().refresh(AuthRequest(rig.session))
    assert caught.value.args[0] == UNAUTHORIZED
    assert caught.value.args[1]["error"] == "unauthorized_client"
    assert caught.value.retryable is False


def test_a_scope_outside_the_delegation_is_unauthorized_client(rig: Rig) -> None:
    extra = "https://www.googleapis.com/auth/gmail.readonly"
    with pytest.raises(RefreshError, match="unauthorized_client"):
        rig.credentials(scopes=[CONTACTS, extra]).refresh(AuthRequest(rig.session))
    narrower = rig.credentials(scopes=[CONTACTS])
    narrower.refresh(AuthRequest(rig.session))
    assert narrower.valid


def test_a_user_outside_the_domain_is_unauthorized_client(rig: Rig) -> None:
    with pytest.raises(RefreshError, match="unauthorized_client"):
        rig.credentials(subject=rig.summary["outside_user"]).refresh(AuthRequest(rig.session))


def test_an_unknown_or_suspended_subject_is_invalid_grant(rig: Rig) -> None:
    with pytest.raises(RefreshError, match="invalid_grant: Invalid email or User ID"):
        rig.credentials(subject="nobody@example.com").refresh(AuthRequest(rig.session))
    rig.emu.add_user("gone@example.com", suspended=True)
    with pytest.raises(RefreshError, match="invalid_grant: Invalid email or User ID"):
        rig.credentials(subject="gone@example.com").refresh(AuthRequest(rig.session))


def test_a_key_the_emulator_does_not_know_is_an_invalid_signature(rig: Rig) -> None:
    forged, _public = generate_service_account_key(
        BASE + "/token", client_email=rig.info["client_email"]
    )
    forged["private_key_id"] = rig.info["private_key_id"]
    credentials = service_account.Credentials.from_service_account_info(
        forged, scopes=SCOPES, subject=rig.user
    )
    with pytest.raises(RefreshError, match=r"invalid_grant: Invalid JWT Signature\."):
        credentials.refresh(AuthRequest(rig.session))


def test_an_unregistered_service_account_is_account_not_found(rig: Rig) -> None:
    other, _public = generate_service_account_key(
        BASE + "/token", client_email="x@p.iam.gserviceaccount.com"
    )
    credentials = service_account.Credentials.from_service_account_info(
        other, scopes=SCOPES, subject=rig.user
    )
    with pytest.raises(RefreshError, match="invalid_grant: Invalid grant: account not found"):
        credentials.refresh(AuthRequest(rig.session))


def _assertion(rig: Rig, **claims: object) -> str:
    now = int(time.time())
    body = {"iss": rig.info["client_email"], "sub": rig.user, "scope": " ".join(SCOPES),
            "aud": GOOGLE_TOKEN_URI, "iat": now, "exp": now + 3600, **claims}  # fmt: skip
    headers = {"kid": rig.info["private_key_id"]}
    return jwt.encode(body, rig.info["private_key"], algorithm="RS256", headers=headers)


@pytest.mark.parametrize(
    ("claims", "answer"),
    [
        (
            {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
            "Token must be a short-lived token",
        ),
        ({"exp": int(time.time()) + 7200}, "Token must be a short-lived token"),
        ({"aud": "https://example.com/token"}, "Failed audience check"),
    ],
)
def test_expired_long_lived_or_misaddressed_assertions_are_invalid_grant(
    rig: Rig, claims: dict[str, object], answer: str
) -> None:
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": _assertion(rig, **claims),
    }
    response = rig.session.post(f"{BASE}/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert answer in response.json()["error_description"]


def test_the_emulators_own_token_url_is_accepted_as_audience(rig: Rig) -> None:
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": _assertion(rig, aud=f"{BASE}/token")}  # fmt: skip
    response = rig.session.post(f"{BASE}/token", data=form)
    assert response.status_code == 200 and response.json()["expires_in"] == 3599


def test_other_grant_types_are_unsupported(rig: Rig) -> None:
    response = rig.session.post(f"{BASE}/token", data={"grant_type": "client_credentials"})
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "Invalid grant_type: client_credentials",
    }


def _calendar_401(response: requests.Response) -> None:
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == "UNAUTHENTICATED" and error["code"] == 401
    assert error["errors"][0]["reason"] == "authError"


def test_revoked_tokens_get_401_unauthenticated_and_google_auth_refreshes(rig: Rig) -> None:
    token = rig.token()
    headers = {"Authorization": f"Bearer {token}"}
    calendar = f"{BASE}/calendar/v3/calendars/primary/events"
    people = f"{BASE}/v1/people/me/connections?personFields=names"
    assert rig.session.get(calendar, headers=headers).status_code == 200
    rig.emu.revoke_tokens()
    _calendar_401(rig.session.get(calendar, headers=headers))
    answer = rig.session.get(people, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert answer.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"
    session = rig.authed()
    session.get(calendar)
    before = rig.emu.authority.token_requests
    rig.emu.revoke_tokens()
    assert session.get(calendar).status_code == 200
    assert rig.emu.authority.token_requests == before + 1


def test_tokens_expire_on_the_emulator_clock(rig: Rig) -> None:
    headers = {"Authorization": f"Bearer {rig.token()}"}
    url = f"{BASE}/calendar/v3/calendars/primary/events"
    rig.emu.clock.advance(3500)
    assert rig.session.get(url, headers=headers).status_code == 200
    rig.emu.clock.advance(100)
    _calendar_401(rig.session.get(url, headers=headers))


def test_a_read_only_token_cannot_write(rig: Rig) -> None:
    rig.emu.grant_delegation(rig.client_id, ["https://www.googleapis.com/auth/calendar.readonly"])
    session = rig.authed(scopes=["https://www.googleapis.com/auth/calendar.readonly"])
    url = f"{BASE}/calendar/v3/calendars/primary/events"
    assert session.get(url).status_code == 200
    denied = session.post(
        url, json={"summary": "x", "start": {"date": "2026-01-01"}, "end": {"date": "2026-01-02"}}
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"
    people = session.get(f"{BASE}/v1/people/me/connections", params={"personFields": "names"})
    assert people.status_code == 403
    assert people.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_token_endpoint_outages_are_retried_by_google_auth_then_raised(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("google.auth._exponential_backoff.time.sleep", sleeps.append)
    rig.emu.inject("503", route=r"google\.token")
    credentials = rig.credentials()
    credentials.refresh(AuthRequest(rig.session))
    assert credentials.valid
    rig.emu.inject("500", route=r"google\.token", times=None)
    with pytest.raises(RefreshError) as caught:
        rig.credentials().refresh(AuthRequest(rig.session))
    assert caught.value.retryable is True
    assert "internal_failure" in str(caught.value)
    assert len(sleeps) >= 2


def test_google_auth_and_the_apis_work_over_real_https(tmp_path: Path) -> None:
    rig = Rig()
    ca, cert, key = ensure_certificates(tmp_path)
    server, _thread = serve(rig.emu, "127.0.0.1", 0, cert, key)
    try:
        base = f"https://127.0.0.1:{server.server_address[1]}"
        info, public = generate_service_account_key(
            base + "/token", client_email="https@p.iam.gserviceaccount.com"
        )
        client_id = rig.emu.register_service_account(
            info["client_email"], info["private_key_id"], public
        )
        rig.emu.grant_delegation(client_id, [CALENDAR])
        transport = requests.Session()
        transport.trust_env = False
        transport.verify = str(ca)
        credentials = service_account.Credentials.from_service_account_info(
            info, scopes=[CALENDAR], subject=rig.user
        )
        session = AuthorizedSession(credentials, auth_request=AuthRequest(transport))
        session.trust_env = False
        session.verify = str(ca)
        answer = session.post(
            f"{base}/calendar/v3/calendars/primary/events",
            json={
                "summary": "Über HTTPS",
                "start": {"date": "2026-12-01"},
                "end": {"date": "2026-12-02"},
            },
            timeout=10,
        )
        assert answer.status_code == 200
        validate("calendar.events.insert", answer.json())
        assert credentials.valid
    finally:
        server.shutdown()


def test_token_endpoint_throttling_and_resets_surface_through_google_auth(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("google.auth._exponential_backoff.time.sleep", lambda seconds: None)
    rig.emu.inject("429", route=r"google\.token", times=None, retry_after=2)
    with pytest.raises(RefreshError) as caught:
        rig.credentials().refresh(AuthRequest(rig.session))
    assert caught.value.retryable is True
    assert caught.value.args[1] == {
        "error": "rate_limit_exceeded",
        "error_description": "Rate Limit Exceeded",
    }
    rig.emu.clear_faults()
    rig.emu.inject("reset", route=r"google\.token")
    with pytest.raises(TransportError, match="reset"):
        rig.credentials().refresh(AuthRequest(rig.session))
