from __future__ import annotations

from pathlib import Path

import pytest
import requests
from django.test import override_settings

from connections.http import build_session
from sandbox.core import Emulator, Request, Response
from sandbox.server import serve
from sandbox.tls import ensure_certificates


class Hello(Emulator):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.route("GET", r"/hello", "hello", lambda request: Response.json({"ok": True}))
        self.seen_agents: list[str | None] = []
        self.route("GET", r"/agent", "agent", self.agent)

    def agent(self, request: Request) -> Response:
        return Response.json({"agent": request.header("user-agent")})


@pytest.fixture
def https_hello(tmp_path: Path) -> tuple[str, Path]:
    ca, cert, key = ensure_certificates(tmp_path)
    server, _thread = serve(Hello(), "127.0.0.1", 0, cert, key)
    yield f"https://127.0.0.1:{server.server_address[1]}", ca
    server.shutdown()


def test_the_private_ca_is_trusted_even_when_requests_ca_bundle_is_exported(
    https_hello: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ca = https_hello
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    with override_settings(LSYNC_CA_BUNDLE=str(ca)):
        session = build_session()
    assert session.get(f"{base}/hello").json() == {"ok": True}


def test_without_the_private_ca_the_sandbox_certificate_is_refused(
    https_hello: tuple[str, Path],
) -> None:
    base, _ca = https_hello
    with override_settings(LSYNC_CA_BUNDLE=""):
        session = build_session()
    assert session.verify is True
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{base}/hello")


def test_requests_carry_the_lsync_user_agent_and_a_default_timeout(
    https_hello: tuple[str, Path],
) -> None:
    base, ca = https_hello
    with override_settings(LSYNC_CA_BUNDLE=str(ca), LSYNC_HTTP_TIMEOUT=7.0):
        session = build_session()
    assert session.get(f"{base}/agent").json()["agent"].startswith("lsync/")
    adapter = session.get_adapter(base)
    assert adapter.timeout == 7.0  # type: ignore[attr-defined]


def test_a_host_that_resolves_to_a_link_local_address_is_not_connected_to(
    https_hello: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 9: the forms refuse link-local addresses typed in; a host name that
    resolves to one is refused when connecting. Loopback stands in for 169.254.169.254 here:
    tests may not leave the machine."""
    import ipaddress

    from connections import validators

    url, ca = https_hello
    with override_settings(LSYNC_CA_BUNDLE=str(ca)):
        assert build_session().get(f"{url}/hello").json() == {"ok": True}
        monkeypatch.setattr(
            validators,
            "LINK_LOCAL_NETWORKS",
            (*validators.LINK_LOCAL_NETWORKS, ipaddress.ip_network("127.0.0.0/8")),
        )
        with pytest.raises(requests.ConnectionError, match="link-local or cloud metadata"):
            build_session().get(f"{url}/hello")
