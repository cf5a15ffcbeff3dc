from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest


class OutboundNetworkBlocked(RuntimeError):
    """A test tried to reach a host that is not on this machine."""


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX paths
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise OutboundNetworkBlocked(f"tests may not reach {address!r}; use the sandbox")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise OutboundNetworkBlocked(f"tests may not reach {address!r}; use the sandbox")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Resolving a real provider host name is already a leak (DNS), so refuse it here.
    name = host.decode() if isinstance(host, bytes) else host
    if name not in (None, "localhost") and not _is_loopback((name, 0)):
        raise OutboundNetworkBlocked(f"tests may not resolve {name!r}; use the sandbox")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture
def no_network_guard() -> Iterator[type[OutboundNetworkBlocked]]:
    yield OutboundNetworkBlocked


class SandboxHandle:
    """The emulators mounted in-process on one requests session."""

    def __init__(self, seed: int = 1) -> None:
        import requests

        from sandbox import registry
        from sandbox.inprocess import mount

        self.apps = {name: registry.build(name, seed=seed) for name in registry.available()}
        self.session = requests.Session()
        self.session.trust_env = False
        self.bases = mount(self.session, self.apps)

    def env(self) -> dict[str, str]:
        from sandbox import registry

        return registry.product_env(self.bases, None)


@pytest.fixture
def sandbox() -> SandboxHandle:
    return SandboxHandle()


@pytest.fixture(autouse=True)
def exchange_settings_not_verified_on_save(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving Exchange settings with sync on signs in first (exchange/checks.py); tests that save
    made-up servers skip that, and the tests of the check itself ask for `exchange_verify_on_save`."""
    if "exchange_verify_on_save" in request.fixturenames:
        return
    from connections.providers.exchange import checks

    monkeypatch.setattr(checks, "verify_outlook_form", lambda data, stored: None)


@pytest.fixture
def exchange_verify_on_save() -> None:
    """The real sign-in check when the Outlook page saves Exchange settings."""
