"""Routing exchangelib to an in-process emulator.

exchangelib builds its own requests sessions and mounts ``BaseProtocol.HTTP_ADAPTER_CLS()`` on
them: a class attribute, so setting it is global. ``routed(apps)`` swaps in, for the duration of
a ``with`` block, a subclass of whatever adapter class is installed (the product's own, if it
set one) whose ``send`` hands requests for the named hosts to the WSGI apps and passes every
other request to the real adapter. It restores the previous class on exit.

``sandbox_autodiscover(hosts)`` does the same for exchangelib's Autodiscover DNS checks, which
would otherwise query real name servers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from exchangelib.autodiscover import Autodiscovery
from exchangelib.errors import TransportError
from exchangelib.protocol import BaseProtocol

from sandbox.inprocess import WSGIAdapter


class _Raw(io.BytesIO):
    """The bits of urllib3's response that requests_ntlm touches between handshake legs."""

    def release_conn(self) -> None:
        pass


def adapter_class(apps: dict[str, Any], base: type[Any]) -> type[Any]:
    """A subclass of ``base`` that serves ``apps`` ({host or host:port: WSGI app}) in-process."""

    class InProcessAdapter(base):  # type: ignore[misc, valid-type]
        routes = dict(apps)

        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            url = urlsplit(request.url or "")
            app = self.routes.get(url.netloc.lower()) or self.routes.get(
                (url.hostname or "").lower()
            )
            if app is None:
                return super().send(request, *args, **kwargs)
            response = WSGIAdapter(app).send(request, **kwargs)
            response.raw = _Raw(response.content)
            response.connection = self  # requests_ntlm sends the next leg through it
            return response

    return InProcessAdapter


@contextmanager
def routed(apps: dict[str, Any]) -> Iterator[type[Any]]:
    """Routes exchangelib's requests for ``apps``' hosts to them while the block runs."""
    previous = BaseProtocol.HTTP_ADAPTER_CLS
    cls = adapter_class(apps, previous)
    BaseProtocol.HTTP_ADAPTER_CLS = cls
    try:
        yield cls
    finally:
        BaseProtocol.HTTP_ADAPTER_CLS = previous


@contextmanager
def sandbox_autodiscover(hosts: set[str]) -> Iterator[None]:
    """Lets Autodiscover resolve only ``hosts`` (and find no SRV records) while the block runs."""
    known = {h.lower() for h in hosts}
    original_check = Autodiscovery._ensure_valid_hostname
    original_srv = Autodiscovery._get_srv_records

    def ensure_valid_hostname(self: Autodiscovery, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if host not in known:
            raise TransportError(f"{host!r} has no DNS entry")

    def no_srv_records(self: Autodiscovery, hostname: str) -> list[Any]:
        return []

    Autodiscovery._ensure_valid_hostname = ensure_valid_hostname  # type: ignore[method-assign]
    Autodiscovery._get_srv_records = no_srv_records  # type: ignore[method-assign]
    try:
        yield
    finally:
        Autodiscovery._ensure_valid_hostname = original_check  # type: ignore[method-assign]
        Autodiscovery._get_srv_records = original_srv  # type: ignore[method-assign]


@contextmanager
def trusting(ca_bundle: str) -> Iterator[type[Any]]:
    """Makes exchangelib verify TLS against ``ca_bundle`` while the block runs.

    requests lets ``REQUESTS_CA_BUNDLE`` override a session's ``verify``, and exchangelib never
    passes ``verify=`` itself, so the adapter sets it on every send."""
    previous = BaseProtocol.HTTP_ADAPTER_CLS

    class TrustingAdapter(previous):  # type: ignore[misc, valid-type]
        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            kwargs["verify"] = ca_bundle
            return super().send(request, *args, **kwargs)

    BaseProtocol.HTTP_ADAPTER_CLS = TrustingAdapter
    try:
        yield TrustingAdapter
    finally:
        BaseProtocol.HTTP_ADAPTER_CLS = previous


def session_factory(apps: dict[str, Any], base: Any = None) -> Any:
    """A stand-in for the product's `connections.http.build_session` that serves ``apps``
    in-process: a fresh session per call (exchangelib sets its auth per session), Basic and NTLM
    both working through it. With ``base`` (another session factory), its sessions are used and
    only ``apps``' hosts are routed here; otherwise anything else goes to the real adapter."""

    def build_session() -> requests.Session:
        if base is None:
            session = requests.Session()
            session.trust_env = False
            session.mount("https://", adapter_class(apps, requests.adapters.HTTPAdapter)())
            return session
        session = base()
        adapter = adapter_class(apps, requests.adapters.HTTPAdapter)()
        for host in apps:
            session.mount(f"https://{host}/", adapter)
        return session

    return build_session
