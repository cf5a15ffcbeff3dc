"""The only module that talks HTTP to Salesforce: the OAuth 2.0 JWT bearer exchange and a small
REST client on top of simple-salesforce.

Why the exchange is ours: simple-salesforce's own JWT login always posts to
``https://{domain}.salesforce.com`` (gotcha #4), so My Domain hosts, Experience Cloud sites and the
emulator would be unreachable. We sign the assertion with PyJWT, post it to the configured login
URL through the HTTP seam, and hand the session to ``Salesforce(instance_url=..., session_id=...)``.

Sessions carry no ``expires_in``; they are cached per (login URL, consumer key, username) for
``TOKEN_TTL`` and a 401 ``INVALID_SESSION_ID`` logs in again once and retries.

This module knows nothing of the sync engine: failures are `SalesforceError` (REST) and
`LoginError` (token endpoint); the sync half translates them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as LibraryError

from connections import http

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 180  # Salesforce accepts at most 3 minutes
TOKEN_TTL = 30 * 60.0  # below the shortest session timeout an org can choose after activity
CALL_OPTIONS = "client=lsync"


class SalesforceError(Exception):
    """A REST error: Salesforce's errorCode, its message and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class LoginError(SalesforceError):
    """The token endpoint refused the JWT assertion (``error`` / ``error_description``)."""


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str
    user_id: str
    obtained: float


_cache: dict[tuple[str, str, str], Token] = {}
_cache_lock = threading.Lock()


def clear_token_cache() -> None:
    with _cache_lock:
        _cache.clear()


def audience_for(login_url: str) -> str:
    """The JWT ``aud``: login.salesforce.com for production and My Domain hosts,
    test.salesforce.com for sandboxes, otherwise the site itself (Experience Cloud, emulator)."""
    parts = urlsplit(login_url)
    host = (parts.hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host.endswith(".salesforce.com"):
        return "https://login.salesforce.com"
    return f"{parts.scheme}://{parts.netloc}"


def make_assertion(private_key: str, consumer_key: str, username: str, login_url: str) -> str:
    claims = {
        "iss": consumer_key,
        "sub": username,
        "aud": audience_for(login_url),
        "exp": int(time.time()) + ASSERTION_LIFETIME,
    }
    try:
        return jwt.encode(claims, _signing_key(private_key), algorithm="RS256")
    except (ValueError, TypeError, UnsupportedAlgorithm, jwt.PyJWTError) as exc:
        raise LoginError(
            "invalid_private_key", f"the stored private key is unusable: {exc}"
        ) from exc


@lru_cache(maxsize=8)
def _signing_key(private_key: str) -> RSAPrivateKey:
    """The key parsed once per process: parsing checks an RSA key's arithmetic (about 60 ms),
    and every user of an org signs with the same key, so a worker would pay it per login."""
    key = serialization.load_pem_private_key(private_key.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError("it is not an RSA key, which RS256 signing needs")
    return key


def fetch_token(
    session: requests.Session, login_url: str, consumer_key: str, private_key: str, username: str
) -> Token:
    assertion = make_assertion(private_key, consumer_key, username, login_url)
    url = f"{login_url.rstrip('/')}/services/oauth2/token"
    try:
        response = session.post(url, data={"grant_type": GRANT_TYPE, "assertion": assertion})
    except requests.RequestException as exc:
        raise LoginError("unreachable", f"could not reach {login_url}: {exc}") from exc
    body = _object(response)
    access_token, instance_url = body.get("access_token"), body.get("instance_url")
    if response.status_code == 200 and _text(access_token) and _text(instance_url):
        return Token(
            str(access_token),
            str(instance_url).rstrip("/"),
            str(body.get("id", "")).rstrip("/").rsplit("/", 1)[-1],
            time.monotonic(),
        )
    if response.status_code == 200 or not body:
        # An answer that is not Salesforce's (a proxy's error page, a cut-off body, a 200
        # without a token) says nothing about the credentials: treat it as an outage.
        status = response.status_code if response.status_code >= 500 else 502
        raise LoginError(
            f"http_{response.status_code}",
            f"the login service at {login_url} gave an answer lsync cannot read "
            f"(HTTP {response.status_code} {response.reason or ''})".rstrip(),
            status,
        )
    error, description = body.get("error"), body.get("error_description")
    raise LoginError(
        str(error) if _text(error) else f"http_{response.status_code}",
        str(description) if _text(description) else str(response.reason or "no description"),
        response.status_code,
    )


def _object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class SalesforceClient:
    """REST calls as one user. Counts calls and keeps the last ``Sforce-Limit-Info``."""

    def __init__(
        self,
        login_url: str,
        consumer_key: str,
        private_key: str,
        username: str,
        api_version: str = "62.0",
    ) -> None:
        self.login_url = login_url
        self.consumer_key = consumer_key
        self.private_key = private_key
        self.username = username
        self.api_version = api_version
        self.session = http.build_session()
        self.session.hooks["response"].append(self._observe)
        self.api_calls = 0
        self.limit_info = ""
        self._sf: Salesforce | None = None
        self.token: Token | None = None

    # --- session --------------------------------------------------------------------------
    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if "/services/data/" in (response.url or ""):
            self.api_calls += 1
            info = response.headers.get("Sforce-Limit-Info")
            if info:
                self.limit_info = info

    @property
    def _key(self) -> tuple[str, str, str]:
        return (self.login_url, self.consumer_key, self.username.lower())

    def login(self, fresh: bool = False) -> Token:
        with _cache_lock:
            cached = _cache.get(self._key)
        if cached and not fresh and time.monotonic() - cached.obtained < TOKEN_TTL:
            token = cached
        else:
            token = fetch_token(
                self.session, self.login_url, self.consumer_key, self.private_key, self.username
            )
            with _cache_lock:
                _cache[self._key] = token
        if self.token != token:
            self.token = token
            self._sf = Salesforce(
                instance_url=token.instance_url,
                session_id=token.access_token,
                session=self.session,
                version=self.api_version,
            )
        return token

    def _client(self) -> Salesforce:
        if self._sf is None:
            self.login()
        assert self._sf is not None
        return self._sf

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in (0, 1):
            sf = self._client()
            try:
                if path.startswith("/services/data/"):
                    url = f"{sf.base_url.split('/services/data/')[0]}{path}"
                    result = sf._call_salesforce(method, url, name=path, **kwargs)
                    return None if result.status_code == 204 else result.json()
                return sf.restful(path, method=method, **kwargs)
            except LibraryError as exc:
                error = _translate(exc)
                if attempt == 0 and error.code == "INVALID_SESSION_ID":
                    self.login(fresh=True)
                    continue
                raise error from exc
            except requests.RequestException as exc:
                raise SalesforceError("CONNECTION_ERROR", str(exc)) from exc
        raise AssertionError("unreachable")

    # --- REST -----------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def composite(self, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Up to 25 subrequests in one API call (reads here: the change feed batches its
        questions this way); each answer is {body, httpStatusCode, referenceId}."""
        answer = self._call("POST", "composite", json={"compositeRequest": subrequests})
        return list(answer.get("compositeResponse", [])) if isinstance(answer, dict) else []

    def rest_url(self, path: str, params: dict[str, str]) -> str:
        """The URL of a REST resource as a composite subrequest names it."""
        return f"/services/data/v{self.api_version}/{path}?{urlencode(params)}"

    def records(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        """The records of a query answer and of its further pages (nextRecordsUrl)."""
        rows = list(page.get("records", []))
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = self.get(page["nextRecordsUrl"])
            rows += page.get("records", [])
        return rows

    def write(self, method: str, path: str, **kwargs: Any) -> Any:
        """A write, tagged so our own changes can be recognised (Sforce-Call-Options)."""
        headers = {"Sforce-Call-Options": CALL_OPTIONS}
        return self._call(method, path, headers=headers, **kwargs)

    def query(self, soql: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query (queryAll: deleted ones too), following nextRecordsUrl."""
        resource = "queryAll/" if include_deleted else "query/"
        page = self._call("GET", resource, params={"q": soql})
        while True:
            yield from page.get("records", [])
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self._call("GET", page["nextRecordsUrl"])

    def describe(self, sobject: str) -> Any:
        return self.get(f"sobjects/{sobject}/describe/")


def answer_error(answer: dict[str, Any]) -> SalesforceError | None:
    """The error of one composite subrequest's answer (None when it succeeded)."""
    status = int(answer.get("httpStatusCode", 500))
    if status < 300:
        return None
    body = answer.get("body")
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    return SalesforceError(
        str(first.get("errorCode", f"HTTP_{status}")), str(first.get("message", "")), status
    )


def _translate(exc: LibraryError) -> SalesforceError:
    content = exc.content
    code, message = f"HTTP_{exc.status}", str(content)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        code = str(content[0].get("errorCode") or code)
        message = str(content[0].get("message") or message)
    elif isinstance(content, dict):
        code = str(content.get("errorCode") or content.get("error") or code)
        message = str(content.get("message") or content.get("error_description") or message)
    return SalesforceError(code, message, int(exc.status or 0))


_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


def parse_usage(limit_info: str) -> tuple[int, int] | None:
    """(used, max) from ``Sforce-Limit-Info: api-usage=25/15000``."""
    match = _USAGE.search(limit_info or "")
    return (int(match.group(1)), int(match.group(2))) if match else None
