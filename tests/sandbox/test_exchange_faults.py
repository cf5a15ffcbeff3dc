"""Faults injected into the EWS emulator, as exchangelib sees them."""

from __future__ import annotations

import pytest
from exchangelib import FaultTolerance, errors
from exchangelib.errors import (
    ErrorImpersonateUserDenied,
    ErrorInternalServerError,
    ErrorServerBusy,
    TransportError,
    UnauthorizedError,
)

from sandbox.exchange.app import ExchangeEmulator
from tests.sandbox.conftest import AccountFactory


def test_server_busy_carries_its_back_off_to_exchangelib(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    account = ews_account()
    ews.inject("server_busy", route="ews.GetFolder", delay=297.749)
    with pytest.raises(ErrorServerBusy) as caught:
        account.contacts.refresh()
    assert caught.value.back_off == pytest.approx(297.749)


def test_a_fault_tolerant_client_waits_out_server_busy_and_succeeds(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    account = ews_account(retry_policy=FaultTolerance(max_wait=30))
    account.contacts.refresh()
    before = len(ews.operations)
    ews.inject("server_busy", route="ews.FindItem", delay=0.01, times=2)
    assert account.contacts.all().count() == 3
    finds = [status for op, _, status in ews.operations[before:] if op == "FindItem"]
    assert finds == [500, 500, 200]


def test_an_internal_server_error_is_raised_as_such(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    account = ews_account()
    ews.inject("500", route="ews.GetFolder")
    with pytest.raises(ErrorInternalServerError):
        account.contacts.refresh()


@pytest.mark.parametrize("kind", ["503", "reset"])
def test_unavailable_and_reset_connections_are_transport_errors(
    ews: ExchangeEmulator, ews_account: AccountFactory, kind: str
) -> None:
    account = ews_account()
    account.contacts.refresh()
    ews.inject(kind, route="ews.FindItem")
    with pytest.raises(TransportError):
        account.contacts.all().count()
    assert account.contacts.all().count() == 3


def test_an_injected_401_is_a_sign_in_failure(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    account = ews_account(auth="ntlm")
    account.contacts.refresh()
    ews.inject("401", route="ews.FindItem")
    with pytest.raises(UnauthorizedError):
        account.contacts.all().count()


def test_impersonation_can_be_denied_for_one_call(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    account = ews_account()
    ews.inject("impersonation_denied", route="ews.SyncFolderItems")
    with pytest.raises(ErrorImpersonateUserDenied):
        list(account.contacts.sync_items())
    assert len(list(account.contacts.sync_items())) == 3


def test_slow_responses_still_answer(ews: ExchangeEmulator, ews_account: AccountFactory) -> None:
    account = ews_account()
    ews.inject("slow", route="ews.GetFolder", delay=0.05)
    ews.set_latency(r"ews\.FindItem", 0.01)
    assert account.contacts.all().count() == 3


def test_unknown_fault_kinds_are_refused(ews: ExchangeEmulator) -> None:
    with pytest.raises(ValueError, match="server_busy"):
        ews.inject("teapot")


@pytest.mark.parametrize(
    "code", ["ErrorMailboxStoreUnavailable", "ErrorMailboxMoveInProgress", "ErrorTimeoutExpired"]
)
def test_any_ews_error_code_can_be_injected_as_a_fault(
    ews: ExchangeEmulator, ews_account: AccountFactory, code: str
) -> None:
    account = ews_account()
    ews.inject("ews_error", route="ews.GetFolder", code=code)
    with pytest.raises(getattr(errors, code)):
        account.contacts.refresh()
