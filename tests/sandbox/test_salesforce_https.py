from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import assertion, connect, make_certificate, request_token
from sandbox.server import serve
from sandbox.tls import ensure_certificates

KEY = "3MVG9lsync.https"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SalesforceEmulator, str, requests.Session]]:
    ca, cert, key = ensure_certificates(tmp_path)
    app = SalesforceEmulator(seed=7)
    app.seed({"company": {"users": 2, "seed": 3}})
    server, _thread = serve(app, "127.0.0.1", 0, cert, key)
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override session.verify otherwise
    session.verify = str(ca)
    try:
        yield app, f"https://127.0.0.1:{server.server_address[1]}", session
    finally:
        server.shutdown()


def test_the_jwt_flow_and_simple_salesforce_work_over_https(
    served: tuple[SalesforceEmulator, str, requests.Session],
) -> None:
    app, base, session = served
    private_pem, cert_pem = make_certificate()
    username = next(
        u["Username"]
        for u in app.store.live("User")
        if "@example.com.sf" in u["Username"] and not u["Username"].startswith("admin@")
    )
    app.register_connected_app(KEY, cert_pem, preauthorized_usernames=[username])
    token = request_token(session, base, assertion(private_pem, KEY, username, audience=base))
    assert token.status_code == 200 and token.json()["instance_url"] == base
    sf = connect(session, base, private_pem, KEY, username)
    assert sf.sf_instance == base.removeprefix("https://")
    contacts = sf.query_all("SELECT Id, Email, Account.Name FROM Contact")
    assert contacts["totalSize"] == 16
    created = sf.Contact.create({"LastName": "Über TLS"})
    assert sf.Contact.get(created["id"])["LastName"] == "Über TLS"
    app.inject("reset", route=r"salesforce\.query")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT Id FROM Contact")
    assert app.product_env(base) == {"LSYNC_SALESFORCE_LOGIN_URL": base}
