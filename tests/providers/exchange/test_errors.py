"""One test per error sentence: exchangelib's errors become the engine's error kinds."""

from __future__ import annotations

import pytest
import requests
from exchangelib import errors as ews

from connections.providers.exchange.errors import (
    UNTRUSTED,
    WRONG_PASSWORD,
    EndpointNotFound,
    ExchangeOnlineRefused,
    store_error,
)
from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
    VersionMismatch,
)


def test_server_busy_is_rate_limited_for_the_back_off_exchange_asked_for() -> None:
    error = store_error(ews.ErrorServerBusy("busy", back_off=12.5))
    assert isinstance(error, RateLimited) and error.retry_after == 12.5
    assert not error.permanent


def test_server_busy_without_a_back_off_still_waits() -> None:
    error = store_error(ews.ErrorServerBusy("busy"))
    assert isinstance(error, RateLimited) and error.retry_after >= 30


def test_impersonation_denied_names_the_role_and_the_powershell_command() -> None:
    error = store_error(
        ews.ErrorImpersonateUserDenied("denied"),
        service_account="svc-lsync@nordvik.example",
        mailbox="ana@nordvik.example",
    )
    assert isinstance(error, AuthFailed) and error.permanent
    assert "give the service account the ApplicationImpersonation role" in error.message
    assert (
        "New-ManagementRoleAssignment -Name lsync -Role ApplicationImpersonation -User svc-lsync"
        in error.message
    )
    assert "ana@nordvik.example" in error.message


def test_a_domain_backslash_service_account_gets_its_user_in_the_command() -> None:
    error = store_error(ews.ErrorImpersonateUserDenied("x"), service_account="NORDVIK\\svc-sync")
    assert "-User svc-sync" in error.message


def test_a_missing_mailbox_says_there_is_no_mailbox() -> None:
    error = store_error(ews.ErrorNonExistentMailbox("x"), mailbox="ghost@nordvik.example")
    assert isinstance(error, AuthFailed)
    assert "Exchange has no mailbox for ghost@nordvik.example" in error.message


def test_a_401_is_a_wrong_user_name_or_password() -> None:
    error = store_error(ews.UnauthorizedError("Invalid credentials for https://x/EWS"))
    assert isinstance(error, AuthFailed) and error.message == WRONG_PASSWORD
    assert "Basic/NTLM" in error.message


def test_an_untrusted_certificate_says_to_add_the_ca_to_lsync_ca_bundle() -> None:
    tls = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] unable to get issuer")
    for raised in (tls, ews.TransportError(str(tls))):
        error = store_error(raised)
        assert error.message == UNTRUSTED and error.permanent
        assert "LSYNC_CA_BUNDLE" in error.message


def test_an_item_that_is_gone_is_not_found() -> None:
    assert isinstance(store_error(ews.ErrorItemNotFound("x")), NotFound)


def test_a_change_key_conflict_is_a_version_mismatch_to_read_again() -> None:
    error = store_error(ews.ErrorIrresolvableConflict("x"))
    assert isinstance(error, VersionMismatch) and not error.permanent


@pytest.mark.parametrize("code", [ews.ErrorInvalidSyncStateData, ews.ErrorSyncFolderNotFound])
def test_an_invalid_sync_state_is_the_cursor_expired_path(code: type[Exception]) -> None:
    assert isinstance(store_error(code("x")), CursorExpired)


def test_a_connection_failure_is_retried_later() -> None:
    error = store_error(ews.ErrorTimeoutExpired("Reraised from ConnectionError(refused)"))
    assert type(error) is ProviderError and not error.permanent
    assert "could not be reached" in error.message


def test_a_mailbox_being_moved_is_transient() -> None:
    error = store_error(ews.ErrorMailboxMoveInProgress("x"))
    assert not error.permanent


def test_an_item_exchange_refuses_is_rejected() -> None:
    assert isinstance(store_error(ews.ErrorItemSave("too long")), Rejected)


def test_an_exchange_online_url_is_refused_for_good_and_no_endpoint_is_retried() -> None:
    assert isinstance(store_error(ExchangeOnlineRefused("EWS URL: ...")), AuthFailed)
    assert not store_error(EndpointNotFound("EWS URL: ...")).permanent


def test_a_server_that_is_not_exchange_is_named_without_its_headers_or_body() -> None:
    raw = ews.TransportError(
        "Unknown failure in response. Code: 404 headers: {'Server': 'WSGIServer/0.2', "
        "'Sforce-Limit-Info': 'api-usage=106/15000'} content: [{\"errorCode\": \"NOT_FOUND\"}]"
    )
    error = store_error(raw)
    assert not error.permanent
    assert "answered HTTP 404, not as Exchange Web Services does" in error.message
    assert "EWS URL" in error.message
    assert "headers" not in error.message and "Sforce" not in error.message


def test_an_unexpected_error_keeps_only_its_first_line() -> None:
    error = store_error(RuntimeError("boom\nheaders: {'Set-Cookie': 'secret'}"))
    assert error.message == "Exchange failed (RuntimeError): boom"
