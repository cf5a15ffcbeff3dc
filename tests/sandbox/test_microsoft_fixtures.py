"""Shared fixtures for the Microsoft emulator conformance tests (this module holds no tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msal
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from sandbox.inprocess import BASE_URLS, WSGIAdapter
from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.tls import self_signed

BASE = BASE_URLS["microsoft"]
TENANT = "8f3c1a52-1d3e-4c55-9a57-1f0e2b6c9d41"
CLIENT_ID = "5a1f6c2e-7b7d-4f0e-9c39-2d8c3f0b6e11"
SECRET = "s3cr3t~value"
SCOPE = ["https://graph.microsoft.com/.default"]
ALICE = "alice@contoso.example"
BOB = "bob@contoso.example"
GHOST = "ghost@contoso.example"


@dataclass
class Cert:
    key_pem: str
    cert_pem: str
    sha1_hex: str


def make_cert(name: str = "lsync") -> Cert:
    key_pem, cert_pem = self_signed(name)
    sha1 = x509.load_pem_x509_certificate(cert_pem.encode()).fingerprint(hashes.SHA1())
    return Cert(key_pem, cert_pem, sha1.hex())


class Graph:
    """A requests session on the in-process emulator with an app-only token."""

    def __init__(self, app: MicrosoftEmulator, session: requests.Session) -> None:
        self.app = app
        self.session = session
        self.token = ""

    def msal_app(
        self, credential: Any = SECRET, tenant: str = TENANT
    ) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            CLIENT_ID,
            client_credential=credential,
            authority=f"{BASE}/{tenant}",
            instance_discovery=False,
            validate_authority=False,
            http_client=self.session,
        )

    def login(self) -> str:
        result = self.msal_app().acquire_token_for_client(scopes=SCOPE)
        assert "access_token" in result, result
        self.token = result["access_token"]
        return self.token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("https://") else f"{BASE}/v1.0{path}"
        return self.session.request(method, url, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


def build_emulator() -> MicrosoftEmulator:
    app = MicrosoftEmulator(seed=1)
    app.register_app(CLIENT_ID, client_secret=SECRET)
    app.add_tenant(TENANT, ["contoso.example", "contoso.onmicrosoft.com"])
    app.grant_consent(TENANT, CLIENT_ID)
    app.add_mailbox(TENANT, ALICE, "Alice Martín")
    app.add_mailbox(TENANT, BOB, "Bob Øberg")
    app.add_mailbox(TENANT, GHOST, "Ghost User", has_mailbox=False)
    return app


@pytest.fixture
def graph() -> Graph:
    app = build_emulator()
    session = requests.Session()
    session.trust_env = False
    session.mount(BASE, WSGIAdapter(app))
    client = Graph(app, session)
    client.login()
    return client


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])
