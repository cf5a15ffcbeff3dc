from __future__ import annotations

import time

import jwt
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import assertion, make_certificate, request_token

CONSUMER_KEY = "3MVG9lsync.consumer"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, requests.Session, str]:
    app = SalesforceEmulator(seed=1)
    app.add_user("integration@acme.sf", "integration@acme.example", "Lsync", "Integration")
    app.add_user("sales@acme.sf", "sales@acme.example", "Sam", "Sales")
    app.add_user("gone@acme.sf", "gone@acme.example", "Gone", "Away", active=False)
    app.register_connected_app(
        CONSUMER_KEY, keys[1], preauthorized_usernames=["integration@acme.sf", "gone@acme.sf"]
    )
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, session, base


def _error(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["error_description"]


def test_a_pyjwt_assertion_gets_a_session_for_the_instance(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str]
) -> None:
    app, session, base = org
    signed = assertion(keys[0], CONSUMER_KEY, "integration@acme.sf")
    response = request_token(session, base, signed)
    assert response.status_code == 200
    body = response.json()
    user_id = app.user_id("integration@acme.sf")
    assert body["instance_url"] == base
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "api"
    assert body["id"] == f"{base}/id/{app.store.org_id}/{user_id}"
    assert body["access_token"].startswith(app.store.org_id[:15] + "!")
    assert body["issued_at"].isdigit() and body["signature"]
    assert "refresh_token" not in body and "expires_in" not in body
    sf = Salesforce(
        instance_url=body["instance_url"], session_id=body["access_token"], session=session
    )
    who = sf.query("SELECT Id, Username FROM User WHERE Username = 'integration@acme.sf'")
    assert who["records"][0]["Id"] == user_id


@pytest.mark.parametrize(
    "audience",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        "https://salesforce.sandbox.test",
    ],
)
def test_the_login_hosts_and_the_emulator_itself_are_valid_audiences(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str], audience: str
) -> None:
    _app, session, base = org
    signed = assertion(keys[0], CONSUMER_KEY, "integration@acme.sf", audience=audience)
    assert request_token(session, base, signed).status_code == 200


def test_every_jwt_failure_has_salesforces_answer(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str]
) -> None:
    app, session, base = org
    other_key, _other_cert = make_certificate("someone else")
    good = {"private_pem": keys[0], "consumer_key": CONSUMER_KEY, "username": "integration@acme.sf"}

    def attempt(**changes: object) -> tuple[int, str, str]:
        return _error(request_token(session, base, assertion(**{**good, **changes})))  # type: ignore[arg-type]

    assert attempt(private_pem=other_key) == (400, "invalid_grant", "invalid assertion")
    assert attempt(consumer_key="unknown") == (
        400,
        "invalid_client_id",
        "client identifier invalid",
    )
    assert attempt(audience="https://evil.example") == (400, "invalid_grant", "audience is invalid")
    assert attempt(expires_in=-5) == (400, "invalid_grant", "expired authorization code")
    assert attempt(username="nobody@acme.sf") == (
        400, "invalid_grant", "user hasn't approved this consumer",
    )  # fmt: skip
    assert attempt(username="gone@acme.sf") == (400, "inactive_user", "user is inactive")
    assert attempt(username="sales@acme.sf") == (
        400, "invalid_app_access", "user is not admin approved to access this app",
    )  # fmt: skip
    garbage = request_token(session, base, "not.a.jwt")
    assert _error(garbage) == (400, "invalid_grant", "invalid assertion")
    hs256 = jwt.encode(
        {"iss": CONSUMER_KEY, "sub": "integration@acme.sf", "aud": "https://login.salesforce.com",
         "exp": int(time.time()) + 60}, "s" * 32, algorithm="HS256",
    )  # fmt: skip
    assert _error(request_token(session, base, hs256)) == (
        400,
        "invalid_grant",
        "invalid assertion",
    )
    wrong_grant = session.post(
        f"{base}/services/oauth2/token", data={"grant_type": "password", "assertion": "x"}
    )
    assert _error(wrong_grant) == (400, "unsupported_grant_type", "grant type not supported")
    assert app.state()["sessions"] == 0


def test_expiry_follows_the_emulator_clock(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str]
) -> None:
    app, session, base = org
    signed = assertion(keys[0], CONSUMER_KEY, "integration@acme.sf", expires_in=120)
    app.clock.advance(121)
    assert _error(request_token(session, base, signed))[2] == "expired authorization code"


def test_an_app_without_a_preauthorized_list_admits_every_active_user(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str]
) -> None:
    app, session, base = org
    app.register_connected_app("open-app", keys[1])
    signed = assertion(keys[0], "open-app", "sales@acme.sf")
    assert request_token(session, base, signed).status_code == 200


def test_sessions_time_out_when_idle_and_the_client_sees_an_expired_session(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str]
) -> None:
    app, session, base = org
    app.session_timeout = 600
    token = request_token(session, base, assertion(keys[0], CONSUMER_KEY, "integration@acme.sf"))
    sf = Salesforce(instance_url=base, session_id=token.json()["access_token"], session=session)
    app.clock.advance(500)
    sf.query("SELECT Id FROM User")  # activity keeps the session alive
    app.clock.advance(500)
    sf.query("SELECT Id FROM User")
    app.clock.advance(601)
    with pytest.raises(SalesforceExpiredSession) as error:
        sf.query("SELECT Id FROM User")
    assert error.value.status == 401
    assert error.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_revoking_tokens_or_deactivating_the_user_ends_sessions(
    org: tuple[SalesforceEmulator, requests.Session, str], keys: tuple[str, str]
) -> None:
    app, session, base = org
    login = request_token(session, base, assertion(keys[0], CONSUMER_KEY, "integration@acme.sf"))
    sf = Salesforce(instance_url=base, session_id=login.json()["access_token"], session=session)
    app.revoke_tokens()
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM User")
    login = request_token(session, base, assertion(keys[0], CONSUMER_KEY, "integration@acme.sf"))
    sf = Salesforce(instance_url=base, session_id=login.json()["access_token"], session=session)
    sf.query("SELECT Id FROM User")
    app.set_user_active(app.user_id("integration@acme.sf"), False)
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM User")
    relogin = request_token(session, base, assertion(keys[0], CONSUMER_KEY, "integration@acme.sf"))
    assert _error(relogin) == (400, "inactive_user", "user is inactive")


def test_a_request_without_a_bearer_token_is_refused(
    org: tuple[SalesforceEmulator, requests.Session, str],
) -> None:
    _app, session, base = org
    response = session.get(
        f"{base}/services/data/v59.0/query/", params={"q": "SELECT Id FROM User"}
    )
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
