"""DAV answers -> the engine's store errors.

401, and a 403 that is not a precondition -> AuthFailed (a retry cannot help); a 403 naming
DAV:valid-sync-token (RFC 6578 §3.2) -> CursorExpired; 404/410 -> NotFound; 412 -> VersionMismatch;
429, and 503 with Retry-After -> RateLimited; other 5xx and network failures -> a ProviderError a
retry can fix; other 4xx (a refused vCard or iCalendar, no space left) -> Rejected.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from connections.providers.caldav import webdav
from connections.providers.caldav.client import DavError
from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
    VersionMismatch,
    translating,
)

DEFAULT_BACKOFF = 60.0


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """Retry-After as seconds, whether given as seconds or as an HTTP date (RFC 9110 §10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def store_error(error: DavError) -> ProviderError:
    text = f"CalDAV/CardDAV server: {error.message}"
    wait = retry_after_seconds(error.retry_after)
    if error.status == 429 or (error.status == 503 and wait is not None):
        return RateLimited(text, retry_after=wait if wait is not None else DEFAULT_BACKOFF)
    if error.status == 0 or error.status >= 500:
        return ProviderError(text, permanent=False)
    if webdav.VALID_SYNC_TOKEN in error.conditions:
        return CursorExpired(text)
    if error.status == 401 or (error.status == 403 and not error.conditions):
        return AuthFailed(
            f"{text}. The server refused the service account: check its user name and password, "
            "and that it may act for this user, then run Test Connection on the CalDAV setup page."
        )
    if error.status in (404, 410):
        return NotFound(text)
    if error.status == 412:
        return VersionMismatch(text)
    return Rejected(text)


def translated() -> AbstractContextManager[None]:
    return translating(DavError, store_error)
