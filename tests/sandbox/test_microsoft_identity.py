from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from tests.sandbox.test_microsoft_fixtures import (
    ALICE,
    BASE,
    CLIENT_ID,
    GHOST,
    SCOPE,
    SECRET,
    TENANT,
    Graph,
    build_emulator,
    error_code,
    graph,
    make_cert,
)

__all__ = ["graph"]


def test_msal_fetches_the_v2_discovery_document_under_the_tenant(graph: Graph) -> None:
    graph.app.request_log.clear()
    result = graph.msal_app().acquire_token_for_client(scopes=SCOPE)
    assert result["token_type"] == "Bearer"
    assert result["expires_in"] > 3000
    paths = [path for _method, path, _status in graph.app.request_log]
    assert paths == [
        f"/{TENANT}/v2.0/.well-known/openid-configuration",
        f"/{TENANT}/oauth2/v2.0/token",
    ]


def test_a_domain_authority_discovers_the_tenant_guid(graph: Graph) -> None:
    doc = graph.session.get(f"{BASE}/contoso.example/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{BASE}/{TENANT}/oauth2/v2.0/token"
    assert doc["issuer"] == f"{BASE}/{TENANT}/v2.0"
    result = graph.msal_app(tenant="contoso.example").acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result


def test_a_secret_token_opens_graph(graph: Graph) -> None:
    me = graph.get(f"/users/{ALICE}")
    assert me.status_code == 200
    assert me.json()["userPrincipalName"] == ALICE


@pytest.mark.parametrize("with_thumbprint", [True, False], ids=["sha1-x5t", "sha256-x5t#S256"])
def test_a_certificate_assertion_gets_a_token(graph: Graph, with_thumbprint: bool) -> None:
    cert = make_cert()
    graph.app.register_app(CLIENT_ID, certificate_pem=cert.cert_pem)
    credential = {"private_key": cert.key_pem}
    if with_thumbprint:
        credential["thumbprint"] = cert.sha1_hex
    else:
        credential["public_certificate"] = cert.cert_pem
    result = graph.msal_app(credential).acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result, result
    graph.token = result["access_token"]
    assert graph.get(f"/users/{ALICE}/contacts").status_code == 200


def test_an_assertion_signed_by_an_unregistered_key_is_refused(graph: Graph) -> None:
    registered, stranger = make_cert("registered"), make_cert("stranger")
    graph.app.register_app(CLIENT_ID, certificate_pem=registered.cert_pem)
    # The right thumbprint with the wrong key: the signature check, not the lookup, must catch it.
    forged = {"private_key": stranger.key_pem, "thumbprint": registered.sha1_hex}
    result = graph.msal_app(forged).acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]
    unknown = {"private_key": stranger.key_pem, "thumbprint": stranger.sha1_hex}
    result = graph.msal_app(unknown).acquire_token_for_client(scopes=SCOPE)
    assert result["error_codes"] == [700027]
    assert "key was not found" in result["error_description"]


def test_a_bad_secret_fails_as_entra_id_does(graph: Graph) -> None:
    result = graph.msal_app("not-the-secret").acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215:")
    for key in ("trace_id", "correlation_id", "timestamp"):
        assert result[key]


def test_an_expired_secret_is_refused_with_its_own_code(graph: Graph) -> None:
    graph.app.register_app(CLIENT_ID, client_secret=SECRET, secret_expires_at=graph.app.clock.now())
    result = graph.msal_app().acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000222]


def test_the_token_endpoint_accepts_http_basic_client_authentication(graph: Graph) -> None:
    answer = graph.session.post(
        f"{BASE}/{TENANT}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "scope": SCOPE[0]},
        auth=(CLIENT_ID, SECRET),
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"


def test_a_tenant_without_consent_refuses_the_token(graph: Graph) -> None:
    graph.app.revoke_consent(TENANT, CLIENT_ID)
    result = graph.msal_app().acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "unauthorized_client"
    assert result["error_codes"] == [700016]


def test_a_fresh_consent_can_take_a_while_to_reach_the_token_endpoint(graph: Graph) -> None:
    graph.app.directory.consent_delay = 30
    graph.app.grant_consent(TENANT, CLIENT_ID)
    assert graph.msal_app().acquire_token_for_client(scopes=SCOPE)["error_codes"] == [700016]
    graph.app.clock.advance(31)
    assert "access_token" in graph.msal_app().acquire_token_for_client(scopes=SCOPE)


def test_an_unknown_tenant_fails_discovery_inside_msal(graph: Graph) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        graph.msal_app(tenant="nobody.example").acquire_token_for_client(scopes=SCOPE)
    token = graph.session.post(
        f"{BASE}/nobody.example/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "scope": SCOPE[0],
        },
    )
    assert token.status_code == 400
    assert token.json()["error_codes"] == [90002]


def test_a_scope_without_default_is_refused(graph: Graph) -> None:
    result = graph.msal_app().acquire_token_for_client(
        scopes=["https://graph.microsoft.com/Contacts.Read"]
    )
    assert result["error"] == "invalid_scope"
    assert result["error_codes"] == [1002012]


def test_an_exchange_token_is_refused_by_graph(graph: Graph) -> None:
    result = graph.msal_app().acquire_token_for_client(
        scopes=["https://outlook.office365.com/.default"]
    )
    graph.token = result["access_token"]
    refused = graph.get(f"/users/{ALICE}/contacts")
    assert refused.status_code == 401
    assert "Invalid audience" in refused.json()["error"]["message"]


def test_users_are_listed_and_mailbox_settings_need_a_mailbox(graph: Graph) -> None:
    users = graph.get("/users").json()["value"]
    assert {u["userPrincipalName"] for u in users} == {ALICE, "bob@contoso.example", GHOST}
    assert next(u for u in users if u["userPrincipalName"] == GHOST)["mail"] is None
    assert graph.get(f"/users/{ALICE}/mailboxSettings").status_code == 200
    assert error_code(graph.get(f"/users/{GHOST}/mailboxSettings")) == "MailboxNotEnabledForRESTAPI"


def test_an_expired_token_answers_401(graph: Graph) -> None:
    graph.app.clock.advance(3600)
    response = graph.get(f"/users/{ALICE}/contacts")
    assert response.status_code == 401
    assert error_code(response) == "InvalidAuthenticationToken"
    assert "expired" in response.json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_tokens_answer_401_until_a_new_token_is_fetched(graph: Graph) -> None:
    graph.app.revoke_tokens()
    response = graph.get(f"/users/{ALICE}/contacts")
    assert response.status_code == 401
    assert error_code(response) == "InvalidAuthenticationToken"
    graph.app.inject("revoke_token", route=r"graph\.contacts\.list")
    graph.login()
    assert graph.get(f"/users/{ALICE}/contacts").status_code == 401
    graph.session.close()


def test_consent_withdrawn_after_the_token_gives_403(graph: Graph) -> None:
    graph.app.revoke_consent(TENANT, CLIENT_ID)
    response = graph.get(f"/users/{ALICE}/events")
    assert response.status_code == 403
    assert error_code(response) == "ErrorAccessDenied"


def test_missing_directory_permission_gives_authorization_request_denied(graph: Graph) -> None:
    graph.app.grant_consent(TENANT, CLIENT_ID, roles={"Contacts.ReadWrite", "Calendars.ReadWrite"})
    response = graph.get(f"/users/{ALICE}")
    assert response.status_code == 403
    assert error_code(response) == "Authorization_RequestDenied"


def test_a_throttled_token_endpoint_surfaces_in_msal(graph: Graph) -> None:
    graph.app.inject("503", route=r"identity\.token", retry_after=3)
    fresh = graph.msal_app()
    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        fresh.acquire_token_for_client(scopes=SCOPE)
    graph.app.inject("429", route=r"identity\.token", retry_after=3)
    result = graph.msal_app().acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "temporarily_unavailable"
    assert result["error_codes"] == [90055]


def test_a_reset_token_connection_surfaces_as_a_requests_error_from_msal(graph: Graph) -> None:
    graph.app.inject("reset", route=r"identity\.token")
    with pytest.raises(requests.exceptions.ConnectionError):
        graph.msal_app().acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in graph.msal_app().acquire_token_for_client(scopes=SCOPE)


def _consent_url(tenant: str, redirect: str) -> str:
    return (
        f"{BASE}/{tenant}/v2.0/adminconsent?client_id={CLIENT_ID}&state=xyz"
        f"&scope=https://graph.microsoft.com/.default&redirect_uri={redirect}"
    )


@pytest.mark.parametrize("tenant", ["organizations", TENANT])
def test_accepting_admin_consent_redirects_with_the_tenant_and_records_it(tenant: str) -> None:
    app = build_emulator()
    app.revoke_consent(TENANT, CLIENT_ID)
    app.register_app(CLIENT_ID, redirect_uris=["https://lsync.test/connect/microsoft/done"])
    session = requests.Session()
    from sandbox.inprocess import WSGIAdapter

    session.mount(BASE, WSGIAdapter(app))
    page = session.get(_consent_url(tenant, "https://lsync.test/connect/microsoft/done"))
    assert page.status_code == 200
    assert "id='accept'" in page.text and "id='cancel'" in page.text
    answer = session.post(
        _consent_url(tenant, "https://lsync.test/connect/microsoft/done"),
        data={"action": "accept", "tenant_id": TENANT},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    query = parse_qs(location.query)
    assert location.netloc == "lsync.test"
    assert (
        query["admin_consent"] == ["True"]
        and query["tenant"] == [TENANT]
        and query["state"] == ["xyz"]
    )
    assert CLIENT_ID in app.directory.tenant(TENANT).consents


def test_cancelling_admin_consent_redirects_with_access_denied() -> None:
    app = build_emulator()
    app.revoke_consent(TENANT, CLIENT_ID)
    from sandbox.inprocess import WSGIAdapter

    session = requests.Session()
    session.mount(BASE, WSGIAdapter(app))
    answer = session.post(
        _consent_url(TENANT, "https://lsync.test/back"),
        data={"action": "cancel"},
        allow_redirects=False,
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["error_description"][0].startswith("AADSTS65004")
    assert query["state"] == ["xyz"]
    assert CLIENT_ID not in app.directory.tenant(TENANT).consents


def test_a_redirect_uri_that_is_not_registered_is_refused() -> None:
    app = build_emulator()
    app.register_app(CLIENT_ID, redirect_uris=["https://lsync.test/ok"])
    from sandbox.inprocess import WSGIAdapter

    session = requests.Session()
    session.mount(BASE, WSGIAdapter(app))
    page = session.get(_consent_url(TENANT, "https://evil.test/steal"))
    assert page.status_code == 400
    assert "AADSTS50011" in page.text


def test_msal_and_graph_work_over_real_https(tmp_path: Path) -> None:
    ca, cert_file, key_file = ensure_certificates(tmp_path)
    app: MicrosoftEmulator = build_emulator()
    cert = make_cert()
    app.register_app(CLIENT_ID, certificate_pem=cert.cert_pem)
    server, _thread = serve(app, "127.0.0.1", 0, cert_file, key_file)
    try:
        base = f"https://127.0.0.1:{server.server_address[1]}"
        session = requests.Session()
        session.trust_env = False
        session.verify = str(ca)
        for credential in (SECRET, {"private_key": cert.key_pem, "thumbprint": cert.sha1_hex}):
            client = msal.ConfidentialClientApplication(
                CLIENT_ID,
                client_credential=credential,
                authority=f"{base}/{TENANT}",
                instance_discovery=False,
                validate_authority=False,
                http_client=session,
            )
            result = client.acquire_token_for_client(scopes=SCOPE)
            assert "access_token" in result, result
            created = session.post(
                f"{base}/v1.0/users/{ALICE}/contactFolders",
                json={"displayName": f"Sync {len(app.mailbox(ALICE).folders)}"},
                headers={"Authorization": f"Bearer {result['access_token']}"},
                timeout=10,
            )
            assert created.status_code == 201
        headers = {"Authorization": f"Bearer {result['access_token']}"}
        folder = created.json()["id"]
        delta = session.get(
            f"{base}/v1.0/users/{ALICE}/contactFolders/{folder}/contacts/delta",
            headers=headers,
            timeout=10,
        ).json()
        assert delta["@odata.deltaLink"].startswith(f"{base}/v1.0/")
        again = session.get(delta["@odata.deltaLink"], headers=headers, timeout=10)
        assert again.status_code == 200 and again.json()["value"] == []
    finally:
        server.shutdown()
