"""The one HTTP seam: every provider client gets its requests session here.

Why not a plain ``requests.Session()``: the machines export REQUESTS_CA_BUNDLE, and requests
lets that variable override ``session.verify`` on every request sent without its own
``verify=``. A private CA (on-premises Exchange, the sandbox) would then be ignored. So the
session ignores the environment (``trust_env = False``) and takes its CA bundle and proxy from
lsync's own settings instead.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from connections import validators
from syncengine import heartbeat

USER_AGENT = "lsync/0.1 (+https://github.com/lsync)"


class LinkLocalRefused(NewConnectionError):
    """The server's name led to a link-local or cloud metadata address; lsync never sends a
    request (or the credentials it carries) there. The setup forms refuse such addresses when
    they are typed; this catches a host name that resolves to one."""


def refuse_link_local_peer(sock: socket.socket, connection: Any) -> None:
    peer = ipaddress.ip_address(sock.getpeername()[0].split("%", 1)[0])
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped:
        peer = peer.ipv4_mapped
    if any(peer in network for network in validators.LINK_LOCAL_NETWORKS):
        sock.close()
        raise LinkLocalRefused(
            connection,
            f"{connection.host} resolves to the link-local or cloud metadata address {peer}; "
            "lsync does not connect there. Check the host name and the DNS.",
        )


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        refuse_link_local_peer(sock, self)
        return sock


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        refuse_link_local_peer(sock, self)
        return sock


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float) -> None:
        super().__init__(pool_maxsize=20)
        self.timeout = timeout

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # Direct connections only; through a proxy the peer is the proxy the admin configured.
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _notify(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    heartbeat.beat()


def verify_setting() -> str | bool:
    """What TLS verification trusts: the private CA bundle when one is configured, else the
    system store. Never False: verification is not something an admin can switch off."""
    return settings.LSYNC_CA_BUNDLE or True


def build_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = verify_setting()
    session.headers["User-Agent"] = USER_AGENT
    session.hooks["response"].append(_notify)
    proxy = getattr(settings, "LSYNC_HTTPS_PROXY", "")
    if proxy:
        session.proxies = {"https": proxy}
    adapter = _TimeoutAdapter(settings.LSYNC_HTTP_TIMEOUT)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
