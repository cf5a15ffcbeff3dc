"""Graph errors -> the engine's store errors, with messages an administrator can act on."""

from __future__ import annotations

from connections.providers.microsoft.client import GraphError, TokenError
from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
    VersionMismatch,
)

EXPIRED_CODES = {"syncstatenotfound", "syncstateinvalid", "resyncrequired"}


def store_error(error: GraphError) -> ProviderError:
    code = error.code.lower()
    if error.throttled:
        return RateLimited(
            f"Microsoft 365 is throttling requests ({error.code})",
            retry_after=error.retry_after or 30.0,
        )
    if isinstance(error, TokenError):
        if error.code in ("network_error", "service_unavailable") or error.status >= 500:
            return ProviderError(
                f"Microsoft's sign-in service could not be used for now: {error.message}",
                permanent=False,
            )
        return AuthFailed(f"Microsoft 365 refused lsync's sign-in: {error.message}")
    if error.status == 410 or code in EXPIRED_CODES:
        return CursorExpired("the Microsoft 365 sync state has expired")
    if error.status in (401, 403):
        if code == "erroraccessdenied" and "policy" in error.message.lower():
            return AuthFailed(
                "An Exchange application access policy keeps lsync out of this mailbox: "
                "add the mailbox to the policy's group."
            )
        return AuthFailed(f"Microsoft 365 denied access ({error.code}): {error.message}")
    if error.status == 404:
        if code == "mailboxnotenabledforrestapi":
            return AuthFailed(
                "This user has no Exchange Online mailbox: assign an Exchange Online licence."
            )
        if code in ("errorinvaliduser", "request_resourcenotfound"):
            return AuthFailed("Microsoft 365 has no user with this e-mail address.")
        return NotFound(f"the item no longer exists in Microsoft 365 ({error.code})")
    if error.status == 412 or code == "errorirresolvableconflict":
        return VersionMismatch("the item changed in Microsoft 365 meanwhile")
    if 400 <= error.status < 500:
        return Rejected(f"Microsoft 365 refused the item ({error.code}): {error.message}")
    return ProviderError(f"Microsoft 365 failed ({error.code}): {error.message}", permanent=False)
