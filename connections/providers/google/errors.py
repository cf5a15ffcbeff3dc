"""Google client errors -> the engine's store errors.

Throttling (429, 403 rateLimitExceeded/userRateLimitExceeded/quotaExceeded) -> RateLimited with
Google's Retry-After or a backoff hint; a refused token or 401/403 -> AuthFailed; 404 and 410
``deleted`` -> NotFound; 410 ``fullSyncRequired`` and People's ``EXPIRED_SYNC_TOKEN`` ->
CursorExpired; 412 and People's stale-etag ``FAILED_PRECONDITION`` -> VersionMismatch; other 4xx
-> Rejected; 5xx and network failures -> a ProviderError a retry can fix.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from connections.providers.google.client import GoogleApiError, GoogleAuthError
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

# 403s about one item, not about access: the user is an invitee, not the organizer, of it.
ITEM_REFUSALS = frozenset({"forbiddenForNonOrganizer", "forbiddenForServiceAccounts"})
EXPIRED_REASONS = frozenset({"fullSyncRequired", "updatedMinTooLongAgo", "EXPIRED_SYNC_TOKEN"})


def _expired(error: GoogleApiError) -> bool:
    """Whatever shape the body takes: the reason may sit behind a generic errors[] reason, or
    only the message may say it (People: "Sync token is expired. ...")."""
    if EXPIRED_REASONS.intersection(error.reasons):
        return True
    text = error.message.lower()
    return error.status == 400 and "sync token" in text and "expired" in text


def store_error(error: GoogleApiError) -> ProviderError:
    text = f"Google: {error.message or error.reason}"
    if error.rate_limited:
        return RateLimited(text, retry_after=error.backoff())
    if isinstance(error, GoogleAuthError):
        if error.status >= 500:
            return ProviderError(
                f"Google's token service is unavailable for now: {text}.", permanent=False
            )
        return AuthFailed(
            f"Google refused a token for this mailbox ({error.reason}: {error.message}). "
            "Run Test Connection on the Google setup page."
        )
    if error.status == 0 or error.status >= 500:
        return ProviderError(text, permanent=False)
    if _expired(error):
        return CursorExpired(text)
    if error.status == 404 or (error.status == 410 and error.reason == "deleted"):
        return NotFound(text)
    if error.status == 412 or "FAILED_PRECONDITION" in error.reasons:
        return VersionMismatch(text)
    if ITEM_REFUSALS.intersection(error.reasons):
        return Rejected(text)
    if error.status in (401, 403):
        return AuthFailed(f"{text}. Run Test Connection on the Google setup page.")
    return Rejected(text)


def translated() -> AbstractContextManager[None]:
    return translating(GoogleApiError, store_error)
