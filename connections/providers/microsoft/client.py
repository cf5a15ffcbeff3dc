"""The only module that talks to Microsoft: Entra ID through msal, and Microsoft Graph.

- Tokens: msal's ConfidentialClientApplication with the app's secret or certificate, one msal token
  cache per (login URL, tenant, client) kept in this process, so every store of every user of a
  tenant shares one token until it nears expiry. A 401 from Graph drops that cache and asks once
  for a fresh token (revoked or expired tokens).
- Throttling: a 429/503 whose Retry-After is short is waited out once, in the call; anything longer
  (or a second throttle) is raised as GraphError with `retry_after`, and the engine backs the user
  off. The same rule applies to the sub-requests of a JSON batch.
- Every HTTP request goes through the session from `connections.http.build_session()`, msal's
  included (`http_client=`), so the private CA and the proxy settings apply to both.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msal
import requests

from connections import http
from connections.providers.microsoft.answers import (
    DEFAULT_RETRY_AFTER,
    GraphError,
    TokenError,
    error_of,
    retry_after_of,
)
from connections.providers.microsoft.credentials import (
    CredentialMissing,
    app_credential,
    graph_scope,
    graph_url,
    is_known_cloud,
    login_url,
)

# Throttles with a Retry-After up to this many seconds are waited out once inside the call.
SHORT_RETRY = 5.0
BATCH_LIMIT = 20
sleep: Callable[[float], None] = time.sleep  # tests replace it

_caches: dict[tuple[str, str, str], msal.TokenCache] = {}
_caches_lock = threading.Lock()
# Ids a mailbox keeps between runs (its contact folder): (Graph base, tenant, mailbox, what).
_ids: dict[tuple[str, str, str, str], str] = {}
# Each tenant's OpenID configuration by URL, with when it was read (msal keeps it a day too).
_discovery: dict[str, tuple[float, requests.Response]] = {}


class _KeptDiscovery:
    """msal's HTTP client: the session, answering a tenant's OpenID configuration from what this
    process read before. Each client builds its own msal application, which reads that document
    first (an application shared by all lost an event in the Microsoft soak, cause not found)."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        if not url.endswith("/.well-known/openid-configuration"):
            return self.session.get(url, **kwargs)
        with _caches_lock:
            kept = _discovery.get(url)
        if kept is not None and time.monotonic() - kept[0] < 86400:
            return kept[1]
        response = self.session.get(url, **kwargs)
        if response.status_code == 200:
            response.content  # noqa: B018 - read now: the answer is handed out again later
            with _caches_lock:
                _discovery[url] = (time.monotonic(), response)
        return response

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(url, **kwargs)

    def close(self) -> None:
        self.session.close()


@dataclass(frozen=True)
class BatchResult:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> GraphError | None:
        if self.status < 400:
            return None
        return error_of(self.status, self.body, self.headers)


def with_immutable_ids(headers: dict[str, str] | None) -> dict[str, str]:
    """Ask for immutable ids on every request: Outlook's default ids change when an item moves
    between folders, which a sync would take for a delete plus a create."""
    out = dict(headers or {})
    prefer = out.get("Prefer", "")
    if "idtype" not in prefer.lower():
        out["Prefer"] = ", ".join(p for p in (prefer, 'IdType="ImmutableId"') if p)
    return out


def forget_tokens() -> None:
    """Drop every cached token, remembered id and OpenID configuration (tests; a changed app
    credential)."""
    with _caches_lock:
        _caches.clear()
        _ids.clear()
        _discovery.clear()


class GraphClient:
    """App-only Graph access for one tenant. `calls` counts requests sent to Graph."""

    def __init__(self, tenant_id: str, *, session: requests.Session | None = None) -> None:
        self.tenant_id = tenant_id.strip()
        self.session = session or http.build_session()
        self.base = graph_url()
        self.calls = 0
        self._calls_lock = threading.Lock()
        self._app: msal.ConfidentialClientApplication | None = None
        self._cache: msal.TokenCache | None = None

    # ------------------------------------------------------------------ tokens

    def token(self, *, fresh: bool = False) -> str:
        try:
            cred = app_credential()
        except CredentialMissing as exc:
            raise TokenError(0, "credential_missing", str(exc)) from exc
        key = (login_url(), self.tenant_id.lower(), cred.cache_key)
        with _caches_lock:
            if fresh or key not in _caches:
                _caches[key] = msal.TokenCache()
            cache = _caches[key]
        if self._app is None or self._cache is not cache:
            self._app = self._application(cred.client_id, cred.credential, cache)
            self._cache = cache
        try:
            result = self._app.acquire_token_for_client(scopes=[graph_scope()])
        except requests.RequestException as exc:
            raise TokenError(0, "network_error", f"Entra ID could not be reached: {exc}") from exc
        except msal.exceptions.MsalError as exc:
            raise _msal_error(exc) from exc
        if "access_token" in result:
            return str(result["access_token"])
        codes = result.get("error_codes") or [None]
        error = str(result.get("error") or "unknown_error")
        retry = DEFAULT_RETRY_AFTER if error == "temporarily_unavailable" else None
        raise TokenError(
            400,
            error,
            str(result.get("error_description") or error),
            aadsts=codes[0],
            retry_after=retry,
        )

    def _application(
        self, client_id: str, credential: Any, cache: msal.TokenCache
    ) -> msal.ConfidentialClientApplication:
        authority = f"{login_url()}/{self.tenant_id}"
        extra: dict[str, Any] = {}
        if not is_known_cloud(authority):
            extra = {"instance_discovery": False, "validate_authority": False}
        try:
            return msal.ConfidentialClientApplication(
                client_id,
                authority=authority,
                client_credential=credential,
                token_cache=cache,
                http_client=_KeptDiscovery(self.session),
                **extra,
            )
        except requests.RequestException as exc:
            raise TokenError(0, "network_error", f"Entra ID could not be reached: {exc}") from exc
        except msal.exceptions.MsalError as exc:
            raise _msal_error(exc) from exc
        except ValueError as exc:
            # msal raises ValueError when the tenant's OpenID configuration does not exist.
            raise TokenError(
                400, "invalid_tenant", f"Tenant '{self.tenant_id}' was not found. ({exc})"
            ) from exc

    # ------------------------------------------------------------------ remembered ids

    def remembered(self, mailbox: str, what: str) -> str | None:
        """An id this process found earlier for the mailbox (its contact folder), if any."""
        with _caches_lock:
            return _ids.get((self.base, self.tenant_id.lower(), mailbox.lower(), what))

    def remember(self, mailbox: str, what: str, value: str | None) -> None:
        """Keeps `value` for later runs; None forgets it (the item is gone)."""
        key = (self.base, self.tenant_id.lower(), mailbox.lower(), what)
        with _caches_lock:
            if value is None:
                _ids.pop(key, None)
            else:
                _ids[key] = value

    # ------------------------------------------------------------------ requests

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One Graph request (path relative to the Graph base, or a full next/delta link)."""
        target = url if url.startswith(("https://", "http://")) else self.base + url
        token, refreshed, waited = self.token(), False, False
        while True:
            response = self._http(method, target, params, body, headers, token)
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed, token = True, self.token(fresh=True)
                continue
            if status in (429, 503, 504) and not waited:
                retry = retry_after_of(response.headers)
                if retry is not None and retry <= SHORT_RETRY:
                    waited = True
                    sleep(retry)
                    continue
            break
        data = _json(response)
        if status >= 400:
            raise error_of(status, data, response.headers)
        return data

    def _http(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        body: Any,
        headers: dict[str, str] | None,
        token: str,
    ) -> requests.Response:
        with self._calls_lock:  # a store may send several requests at once
            self.calls += 1
        all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        all_headers.update(with_immutable_ids(headers))
        try:
            return self.session.request(method, url, params=params, json=body, headers=all_headers)
        except requests.RequestException as exc:
            raise GraphError(
                0, "NetworkError", f"Microsoft Graph could not be reached: {exc}", retry_after=60.0
            ) from exc

    def pages(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every page of a collection, following @odata.nextLink."""
        page = self.send("GET", url, params=params, headers=headers)
        yield page
        while page.get("@odata.nextLink"):
            page = self.send("GET", str(page["@odata.nextLink"]), headers=headers)
            yield page

    def batch(self, steps: list[dict[str, Any]]) -> list[BatchResult]:
        """Runs up to 20 independent requests in one $batch call; results in input order.
        Throttled steps are sent again once when their Retry-After is short, and steps refused
        with 401 once with a new token."""
        if len(steps) > BATCH_LIMIT:
            raise ValueError(f"a Graph batch holds at most {BATCH_LIMIT} requests")
        if not steps:
            return []
        results = self._batch_once(steps)
        throttled = [i for i, r in enumerate(results) if r.status in (429, 503, 504)]
        if throttled:
            waits = [retry_after_of(results[i].headers) or DEFAULT_RETRY_AFTER for i in throttled]
            if max(waits) <= SHORT_RETRY:
                sleep(max(waits))
                again = self._batch_once([steps[i] for i in throttled])
                for i, result in zip(throttled, again, strict=True):
                    results[i] = result
        unauthorized = [i for i, r in enumerate(results) if r.status == 401]
        if unauthorized:
            # A token revoked or expired between two steps fails only the later ones, and Graph
            # applied none of those: send them again once with a new token. A 401 that stays is
            # returned, and the store reports it as a sign-in failure, never as the item's own.
            try:
                self.token(fresh=True)
            except GraphError:
                # No new token: the steps that did land must still reach the caller.
                return results
            again = self._batch_once([steps[i] for i in unauthorized])
            for i, result in zip(unauthorized, again, strict=True):
                results[i] = result
        return results

    def _batch_once(self, steps: list[dict[str, Any]]) -> list[BatchResult]:
        requests_ = []
        for n, step in enumerate(steps, 1):
            sub = {"id": str(n), **step}
            sub["headers"] = with_immutable_ids(sub.get("headers"))
            if sub.get("body") is not None:
                sub["headers"] = {"Content-Type": "application/json", **(sub.get("headers") or {})}
            requests_.append(sub)
        answer = self.send("POST", "/$batch", body={"requests": requests_})
        by_id = {str(r.get("id")): r for r in answer.get("responses") or []}
        out = []
        for n in range(1, len(steps) + 1):
            r = by_id.get(str(n)) or {"status": 500, "body": {}}
            body = r.get("body")
            out.append(
                BatchResult(
                    int(r.get("status") or 500),
                    {str(k): str(v) for k, v in (r.get("headers") or {}).items()},
                    body if isinstance(body, dict) else {},
                )
            )
        return out


def _msal_error(exc: Exception) -> TokenError:
    """msal raises instead of answering when an Entra ID endpoint (its discovery document
    first) fails with an HTTP error: "HTTP Error: 500"."""
    found = re.search(r"\b([45]\d\d)\b", str(exc))
    status = int(found.group(1)) if found else 0
    if status in (429, 503):
        return TokenError(
            status,
            "temporarily_unavailable",
            f"Entra ID's sign-in service is busy ({exc}); lsync tries again later.",
            retry_after=DEFAULT_RETRY_AFTER,
        )
    if status == 0 or status >= 500:
        return TokenError(
            status,
            "service_unavailable",
            f"Entra ID's sign-in service failed ({exc}); a later try usually succeeds.",
        )
    return TokenError(status, "sign_in_refused", f"Entra ID refused the sign-in ({exc}).")


def _json(response: requests.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
