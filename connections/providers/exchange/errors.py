"""exchangelib errors -> the engine's store errors, in sentences an Exchange admin can act on.

Each sentence says what to do; whether a retry can help is the error kind's `permanent`.
"""

from __future__ import annotations

import re

import requests
from exchangelib import errors as ews

from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
    VersionMismatch,
)

ROLE_COMMAND = (
    "New-ManagementRoleAssignment -Name lsync -Role ApplicationImpersonation -User {user}"
)

WRONG_PASSWORD = (
    "Exchange refused the service account's sign-in: the user name or password is wrong "
    "(Basic/NTLM). Check the User name and Password on the Outlook setup page."
)
UNTRUSTED = (
    "Exchange's certificate is not trusted: add your CA's certificate to the file named by "
    "LSYNC_CA_BUNDLE (PEM), then test again. Certificate checks are never turned off."
)
EXPIRED = "the Exchange sync state has expired"

# Per-item codes that say the item is gone.
GONE = (ews.ErrorItemNotFound, ews.ErrorInvalidIdMalformed, ews.ErrorInvalidIdNotAnItemAttachmentId)
# The item changed since we read it (stale ChangeKey).
CONFLICT = (ews.ErrorIrresolvableConflict, ews.ErrorChangeKeyRequiredForWriteOperations)
# Sync state no longer usable: a full listing follows.
STALE_CURSOR = (ews.ErrorInvalidSyncStateData, ews.ErrorSyncFolderNotFound)
# A pull subscription Exchange no longer holds (timed out, server restarted) or a watermark it no
# longer takes: subscribe again, and sync, since events may have been missed meanwhile.
SUBSCRIPTION_LOST = (
    ews.ErrorSubscriptionNotFound,
    ews.ErrorExpiredSubscription,
    ews.ErrorInvalidSubscription,
    ews.ErrorInvalidPullSubscriptionId,
    ews.ErrorSubscriptionUnsubsribed,
    ews.ErrorInvalidWatermark,
)
# The server is briefly unable to serve; a later run will do.
TRANSIENT = (
    ews.ErrorMailboxStoreUnavailable,
    ews.ErrorMailboxMoveInProgress,
    ews.ErrorInternalServerTransientError,
    ews.ErrorInternalServerError,
    ews.ErrorTimeoutExpired,
    ews.ErrorConnectionFailed,
    ews.ErrorTooManyObjectsOpened,
    ews.ErrorExceededConnectionCount,
)


class ExchangeOnlineRefused(ValueError):
    """The EWS URL points at Exchange Online, which this method cannot use."""


class EndpointNotFound(Exception):
    """Autodiscover found no EWS URL for a domain."""


def impersonation_denied(service_account: str, mailbox: str) -> str:
    user = service_account.split("\\")[-1].split("@")[0] or "svc-lsync"
    return (
        f"The service account may not open {mailbox}'s mailbox: give the service account the "
        f"ApplicationImpersonation role. In the Exchange Management Shell run: "
        f"{ROLE_COMMAND.format(user=user)}"
    )


def no_mailbox(mailbox: str) -> str:
    return (
        f"Exchange has no mailbox for {mailbox}: check the user's e-mail address in Salesforce, "
        "or create the mailbox in Exchange."
    )


def is_tls_failure(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, requests.exceptions.SSLError):
            return True
        text = str(seen)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text or "SSL:" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_unreachable(error: BaseException) -> bool:
    """No answer from the host (refused, reset, timed out), also when exchangelib wrapped it
    (its version probe reports "No valid version headers" around the connection error)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
            return True
        text = str(seen)
        if "Reraised from ConnectionError" in text or "Reraised from ConnectTimeout" in text:
            return True
        if "Reraised from ReadTimeout" in text or "Reraised from Timeout" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def store_error(
    error: BaseException, *, service_account: str = "", mailbox: str = ""
) -> ProviderError:
    """The engine's error for anything exchangelib (or the HTTP layer below it) raised."""
    if isinstance(error, ProviderError):
        return error
    if isinstance(error, ExchangeOnlineRefused):
        return AuthFailed(str(error))
    if isinstance(error, EndpointNotFound):
        return ProviderError(str(error), permanent=False)
    if isinstance(error, ews.ErrorServerBusy):
        wait = float(error.back_off or 0) or 30.0
        return RateLimited(
            f"Exchange is busy and asked lsync to wait {wait:.0f} s", retry_after=wait
        )
    if isinstance(error, ews.RateLimitError):
        wait = float(error.wait or 0) or 60.0
        return RateLimited("Exchange is throttling lsync's requests", retry_after=wait)
    if isinstance(error, ews.ErrorImpersonateUserDenied | ews.ErrorImpersonationDenied):
        return AuthFailed(impersonation_denied(service_account, mailbox or "this user"))
    if isinstance(error, ews.ErrorNonExistentMailbox):
        return AuthFailed(no_mailbox(mailbox or "this user"))
    if isinstance(error, ews.UnauthorizedError):
        return AuthFailed(WRONG_PASSWORD)
    if isinstance(error, STALE_CURSOR):
        return CursorExpired(EXPIRED)
    if isinstance(error, GONE):
        return NotFound("the item no longer exists in Exchange (deleted)")
    if isinstance(error, CONFLICT):
        return VersionMismatch("the item changed in Exchange meanwhile: it is read again")
    if isinstance(error, ews.ErrorAccessDenied):
        return AuthFailed(f"Exchange denied access: {error}")
    if is_tls_failure(error):
        return ProviderError(UNTRUSTED, permanent=True)
    if is_unreachable(error):
        return ProviderError(
            "Exchange could not be reached (no answer in time or connection refused); "
            "lsync tries again later.",
            permanent=False,
        )
    if isinstance(error, TRANSIENT):
        return ProviderError(f"Exchange is briefly unavailable ({error})", permanent=False)
    if isinstance(error, ews.ResponseMessageError):
        return Rejected(f"Exchange refused the item ({type(error).__name__}): {error}")
    if isinstance(error, ews.TransportError | requests.exceptions.RequestException):
        return ProviderError(f"Exchange failed: {plain(error)}", permanent=False)
    return ProviderError(
        f"Exchange failed ({type(error).__name__}): {plain(error)}", permanent=False
    )


# exchangelib's text for an answer it could not read: "Unknown failure in response. Code: 404
# headers: {...} content: ...", the server's headers and body included.
_UNKNOWN_ANSWER = re.compile(r"Unknown failure in response\. Code: (\d{3})")
NOT_EWS = (
    "the server at the EWS URL answered HTTP {code}, not as Exchange Web Services does. Check the "
    "EWS URL (it usually ends in /EWS/Exchange.asmx), or leave it blank to use Autodiscover."
)


def plain(error: BaseException) -> str:
    """The error in words for a page or an issue: never a server's headers or body."""
    text = str(error)
    match = _UNKNOWN_ANSWER.search(text)
    if match:
        return NOT_EWS.format(code=match.group(1))
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return first[:300]
