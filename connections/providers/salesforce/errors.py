"""Salesforce failures as store errors (syncengine.stores.base)."""

from __future__ import annotations

from typing import Any

from connections.providers.salesforce.client import LoginError, SalesforceError
from connections.providers.salesforce.messages import explain_login, explain_rest
from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
)

# The rolling 24-hour allowance frees requests slowly; the per-org concurrency limit quickly.
DAILY_LIMIT_RETRY = 3600.0
CONCURRENCY_RETRY = 60.0
TRANSIENT = frozenset(
    {"SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "CONNECTION_ERROR", "UNABLE_TO_LOCK_ROW"}
)
NOT_FOUND = frozenset(
    {"NOT_FOUND", "ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "INVALID_ID_FIELD"}
)
CURSOR = frozenset({"INVALID_REPLICATION_DATE", "INVALID_QUERY_LOCATOR"})
ACCESS = frozenset({"API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED", "INVALID_SESSION_ID"})


def from_code(code: str, message: str, status: int = 400) -> ProviderError:
    if code == "REQUEST_LIMIT_EXCEEDED":
        retry = DAILY_LIMIT_RETRY if "TotalRequests" in message else CONCURRENCY_RETRY
        return RateLimited(f"Salesforce API limit reached: {message}", retry_after=retry)
    if code in TRANSIENT or status >= 500:
        return ProviderError(f"Salesforce is unavailable for now ({code}): {message}")
    if code in NOT_FOUND:
        return NotFound(f"The record no longer exists in Salesforce ({code}).")
    if code in CURSOR:
        return CursorExpired(f"Salesforce no longer has the changes since the last sync: {message}")
    if code in ACCESS:
        return AuthFailed(explain_rest(SalesforceError(code, message, status)))
    if code.startswith("INSUFFICIENT_ACCESS"):
        return Rejected(explain_rest(SalesforceError(code, message, status)))
    return Rejected(f"Salesforce refused the record: {message} ({code})")


def translate(error: SalesforceError, username: str = "", login_url: str = "") -> ProviderError:
    if isinstance(error, LoginError):
        transient = error.code == "unreachable" or error.status >= 500
        message = explain_login(error, username, login_url)
        return ProviderError(message) if transient else AuthFailed(message)
    return from_code(error.code, error.message, error.status)


def from_result(result: dict[str, Any]) -> ProviderError:
    """The error of one failed sObject Collections result."""
    errors = result.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str(first.get("statusCode") or "UNKNOWN_EXCEPTION")
    message = str(first.get("message") or "no message")
    fields = first.get("fields") or []
    if fields:
        message = f"{message} (fields: {', '.join(map(str, fields))})"
    return from_code(code, message, 400)
