"""The one HTTP seam: every provider client gets its requests session here.

Why not a plain ``requests.Session()``: the machines export REQUESTS_CA_BUNDLE, and requests
lets that variable override ``session.verify`` on every request sent without its own
``verify=``. A private CA (on-premises Exchange, the sandbox) would then be ignored. So the
session ignores the environment (``trust_env = False``) and takes its CA bundle and proxy from
lsync's own settings instead.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from syncengine import heartbeat

USER_AGENT = "lsync/0.1 (+https://github.com/lsync)"


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float) -> None:
        super().__init__(pool_maxsize=20)
        self.timeout = timeout

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
