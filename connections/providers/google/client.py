"""The only module that talks HTTP to Google: service-account credentials with domain-wide
delegation (``subject`` = the user's mailbox) and REST calls to People and Calendar.

Why REST through ``AuthorizedSession`` and not google-api-python-client: the latter uses httplib2,
which bypasses our HTTP seam (gotcha #6). The session's adapters are copied from
``http.build_session()`` so the private CA bundle, the timeout and the in-process sandbox apply.
google-auth always signs the assertion with Google's real ``aud``; only ``token_uri`` is pointed at
``LSYNC_GOOGLE_TOKEN_URI``.

Credentials are cached per (service account key, user, scopes): google-auth refreshes them
when they expire, and ``AuthorizedSession`` refreshes once more on a 401.

This module knows nothing of the sync engine: failures are `GoogleApiError` (an API answered
with an error, or the network failed) and `GoogleAuthError` (the token endpoint refused).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from connections import http
from connections.providers.google.batch import BatchAnswer, BatchCall, decode, encode

CONTACTS_SCOPE = "https://www.googleapis.com/auth/contacts"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
SCOPES: tuple[str, ...] = (CONTACTS_SCOPE, CALENDAR_SCOPE)
RATE_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}
)
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_BACKOFF = 30.0  # seconds, when Google sends no Retry-After
QUOTA_BACKOFF = 3600.0


class GoogleApiError(Exception):
    """An error answer (or a network failure, status 0). ``reason`` is Google's machine-readable
    reason (``errors[0].reason`` or ``details[].reason``, else ``status``)."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        retry_after: float | None = None,
        reasons: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.retry_after = retry_after
        # Every reason the body names (errors[], details[], status): the specific one may be
        # anywhere, e.g. EXPIRED_SYNC_TOKEN in details behind a generic errors[] reason.
        self.reasons = reasons or (reason,)

    @property
    def rate_limited(self) -> bool:
        if self.status == 429:
            return True
        return self.status == 403 and bool((RATE_REASONS | QUOTA_REASONS) & set(self.reasons))

    def backoff(self) -> float:
        if self.retry_after is not None:
            return self.retry_after
        return QUOTA_BACKOFF if QUOTA_REASONS & set(self.reasons) else RATE_BACKOFF


class GoogleAuthError(GoogleApiError):
    """The token endpoint refused: ``reason`` is the OAuth ``error`` (unauthorized_client,
    invalid_grant, ...), ``message`` its ``error_description``."""


def key_info_from_text(text: str) -> dict[str, Any]:
    info = json.loads(text)
    if not isinstance(info, dict):
        raise ValueError("the service account key is not a JSON object")
    return info


def stored_key_info() -> dict[str, Any]:
    """The uploaded JSON key of the Google mail connection (empty when none is stored)."""
    from connections.models import MailConnection

    text = MailConnection.load(MailConnection.Method.GOOGLE).service_account_key
    return key_info_from_text(text) if text else {}


_credentials: dict[tuple[str, str, str, tuple[str, ...], str], service_account.Credentials] = {}
_lock = threading.Lock()
# Ids a mailbox keeps between runs (its contact group): (service account, user, what).
_ids: dict[tuple[str, str, str], str] = {}


def clear_credentials_cache() -> None:
    """Drops the cached credentials and remembered ids (tests; a changed key)."""
    with _lock:
        _credentials.clear()
        _ids.clear()


def credentials_for(
    info: Mapping[str, Any], subject: str | None, scopes: Sequence[str] = SCOPES
) -> service_account.Credentials:
    key = (
        str(info.get("client_email", "")),
        str(info.get("private_key_id", "")),
        (subject or "").lower(),
        tuple(scopes),
        str(settings.LSYNC_GOOGLE_TOKEN_URI),
    )
    with _lock:
        cached = _credentials.get(key)
        if cached is None:
            patched = {**info, "token_uri": settings.LSYNC_GOOGLE_TOKEN_URI}
            cached = service_account.Credentials.from_service_account_info(
                patched, scopes=list(scopes), subject=subject or None
            )
            _credentials[key] = cached
        return cached


def _auth_error(exc: RefreshError) -> GoogleAuthError:
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    error = data.get("error")
    if not isinstance(error, str) or not error:
        # Not an OAuth refusal (a proxy's page, a body without a token, a 5xx in another
        # shape): it says nothing about the key or the delegation, so a later try may work.
        text = str(exc.args[0]) if exc.args else str(exc)
        return GoogleAuthError(502, "token_error", f"an answer lsync cannot use ({text[:200]})")
    description = str(data.get("error_description") or "")
    if error == "rate_limit_exceeded":
        status = 429
    else:
        status = 503 if getattr(exc, "retryable", False) else 401
    return GoogleAuthError(status, error, description or error)


# What google-auth raises when the token endpoint's answer is not the JSON object it expects.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


def _malformed_token_answer(exc: Exception) -> GoogleAuthError:
    return GoogleAuthError(
        502, "token_error", f"an answer lsync cannot read ({type(exc).__name__})"
    )


def api_error(response: requests.Response) -> GoogleApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    return error_from(
        response.status_code,
        body,
        response.headers.get("Retry-After"),
        response.text[:200] or response.reason,
    )


def error_from(status: int, body: Any, retry: str | None, fallback: str = "") -> GoogleApiError:
    """Reads Google's two error shapes (Calendar ``errors[]``, People google.rpc ``details``)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"message": fallback}
    reasons: list[str] = []
    for entry in [*_dicts(error.get("errors")), *_dicts(error.get("details"))]:
        if entry.get("reason"):
            reasons.append(str(entry["reason"]))
    if error.get("status"):
        reasons.append(str(error["status"]))
    reason = reasons[0] if reasons else ""
    retry_after = float(retry) if retry and retry.replace(".", "", 1).isdigit() else None
    message = str(error.get("message") or fallback)
    return GoogleApiError(status, reason, message, retry_after, tuple(reasons) or ("",))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def answer_error(answer: BatchAnswer) -> GoogleApiError:
    return error_from(answer.status, answer.body, answer.headers.get("retry-after"))


class GoogleClient:
    """REST calls for one mailbox. ``calls`` counts API requests (a batch is one)."""

    def __init__(
        self,
        info: Mapping[str, Any],
        subject: str | None,
        scopes: Sequence[str] = SCOPES,
    ) -> None:
        self.info = dict(info)
        self.subject = subject
        self.credentials = credentials_for(info, subject, scopes)
        base = http.build_session()
        self._auth_request = AuthRequest(base)
        self.session = AuthorizedSession(self.credentials, auth_request=self._auth_request)
        self.session.trust_env = False
        self.session.verify = base.verify
        self.session.proxies = base.proxies
        self.session.headers.update(base.headers)
        self.session.hooks["response"].extend(base.hooks["response"])
        for prefix, adapter in base.adapters.items():
            self.session.mount(prefix, adapter)
        self.calls = 0
        self.call_log: list[tuple[str, str]] = []

    def remembered(self, what: str) -> str | None:
        """An id this process found earlier for this mailbox (its contact group), if any."""
        with _lock:
            return _ids.get(self._id_key(what))

    def remember(self, what: str, value: str | None) -> None:
        """Keeps `value` for later runs; None forgets it."""
        with _lock:
            if value is None:
                _ids.pop(self._id_key(what), None)
            else:
                _ids[self._id_key(what)] = value

    def _id_key(self, what: str) -> tuple[str, str, str]:
        return (str(self.info.get("client_email", "")), (self.subject or "").lower(), what)

    @property
    def client_id(self) -> str:
        return str(self.info.get("client_id", ""))

    def fetch_token(self) -> None:
        """Gets (or refreshes) the access token; raises GoogleAuthError when refused."""
        try:
            # Through the plain session: the authorized one would refresh before sending.
            self.credentials.refresh(self._auth_request)
        except RefreshError as exc:
            raise _auth_error(exc) from exc
        except TransportError as exc:
            raise GoogleApiError(0, "transport", str(exc)) from exc
        except _MALFORMED as exc:
            raise _malformed_token_answer(exc) from exc

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        if not self.credentials.valid:
            # Refreshed here rather than inside the session, where an unreadable answer from
            # the token endpoint would escape as a bare TypeError or KeyError.
            self.fetch_token()
        self.calls += 1
        self.call_log.append((method, url))
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                data=data,
                headers=dict(headers or {}),
                verify=self.session.verify,
            )
        except RefreshError as exc:
            raise _auth_error(exc) from exc
        except (requests.RequestException, TransportError) as exc:
            raise GoogleApiError(0, "transport", str(exc)) from exc
        if response.status_code >= 400:
            raise api_error(response)
        return response

    def json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, url, **kwargs)
        if not response.content:
            return {}
        value = response.json()
        return value if isinstance(value, dict) else {}

    def people(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.json(
            method, f"{settings.LSYNC_GOOGLE_PEOPLE_URL.rstrip('/')}/v1/{path}", **kwargs
        )

    def calendar(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.json(
            method, f"{settings.LSYNC_GOOGLE_CALENDAR_URL.rstrip('/')}/{path}", **kwargs
        )

    def calendar_batch(self, calls: Sequence[BatchCall]) -> list[BatchAnswer]:
        """One multipart request to the Calendar batch endpoint; one answer per call, in order.

        Parts refused with 401 (a token revoked or expired while Google worked through the
        batch; Google applied none of them) are sent again once with a new token. A 401 that
        stays is returned: the store reports it as a sign-in failure, never as the item's own."""
        answers = self._calendar_batch_once(calls)
        unauthorized = [i for i, answer in enumerate(answers) if answer.status == 401]
        if unauthorized:
            try:
                self.fetch_token()
            except GoogleApiError:
                # No new token: the parts that did land must still reach the caller.
                return answers
            again = self._calendar_batch_once([calls[i] for i in unauthorized])
            for i, answer in zip(unauthorized, again, strict=True):
                answers[i] = answer
        return answers

    def _calendar_batch_once(self, calls: Sequence[BatchCall]) -> list[BatchAnswer]:
        prefix = urlsplit(settings.LSYNC_GOOGLE_CALENDAR_URL).path.rstrip("/")
        content_type, payload = encode(calls, prefix)
        response = self.request(
            "POST",
            settings.LSYNC_GOOGLE_BATCH_URL,
            data=payload,
            headers={"Content-Type": content_type},
        )
        return decode(response.headers.get("Content-Type", ""), response.content, len(calls))
