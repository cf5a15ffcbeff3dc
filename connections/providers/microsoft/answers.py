"""Microsoft's error answers (Graph's and Entra ID's) as GraphError: what client.py raises."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

DEFAULT_RETRY_AFTER = 30.0


class GraphError(Exception):
    """An error answer from Graph or Entra ID. `status` 0 means no answer (network error).

    `code` is Graph's `error.code` (or the OAuth `error` for token failures), `aadsts` the Entra
    ID error number when there is one (e.g. 7000215: wrong client secret)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retry_after: float | None = None,
        aadsts: int | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.aadsts = aadsts

    @property
    def throttled(self) -> bool:
        return self.status in (429, 503, 504) or self.code == "temporarily_unavailable"


class TokenError(GraphError):
    """No app-only token could be had for the tenant (consent, credential, tenant id)."""


def retry_after_of(headers: Any) -> float | None:
    raw = None
    for key, value in dict(headers or {}).items():
        if str(key).lower() == "retry-after":
            raw = str(value).strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def error_of(status: int, body: Any, headers: Any) -> GraphError:
    error = body.get("error") if isinstance(body, dict) else None
    code, message = "UnknownError", f"HTTP {status}"
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
    retry = retry_after_of(headers)
    if retry is None and status in (429, 503, 504):
        retry = DEFAULT_RETRY_AFTER
    return GraphError(status, code, message, retry_after=retry)
