"""Connecting to the EWS emulator with exchangelib: version probe, Basic and NTLM sign-in,
impersonation and Autodiscover."""

from __future__ import annotations

import pytest
from exchangelib import Account, Credentials, close_connections
from exchangelib.errors import (
    ErrorImpersonateUserDenied,
    ErrorNonExistentMailbox,
    UnauthorizedError,
)

from sandbox.exchange.app import ExchangeEmulator
from sandbox.exchange.seed import DEFAULT_PASSWORD
from sandbox.exchange.transport import routed, sandbox_autodiscover
from tests.sandbox.conftest import SERVICE_DOWN_LEVEL, SERVICE_UPN, AccountFactory


@pytest.mark.parametrize(
    ("server", "build", "api"),
    [
        ("Exchange2013", "15.0.1497.2", "Exchange2013_SP1"),
        ("Exchange2016", "15.1.2507.6", "Exchange2016"),
        ("Exchange2019", "15.2.1118.7", "Exchange2016"),
    ],
)
def test_exchangelib_learns_the_server_version_from_its_first_call(
    ews: ExchangeEmulator, ews_account: AccountFactory, server: str, build: str, api: str
) -> None:
    ews.set_server_version(server)
    account = ews_account()
    assert str(account.version.build) == build
    assert account.version.api_version == api
    # Exchange 2013 refuses the newest schema first, as a real server does.
    statuses = [status for op, _, status in ews.operations if op == "ConvertId"]
    assert statuses[-1] == 200
    assert (500 in statuses) is (server == "Exchange2013")


@pytest.mark.parametrize("username", [SERVICE_UPN, SERVICE_DOWN_LEVEL])
@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_the_service_account_signs_in_with_either_name_form(
    ews: ExchangeEmulator, ews_account: AccountFactory, auth: str, username: str
) -> None:
    account = ews_account(auth=auth, username=username)
    assert account.contacts.name == "Contacts"
    assert (ews.auth.handshakes > 0) is (auth == "ntlm")


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_a_wrong_password_is_refused_with_401(ews_account: AccountFactory, auth: str) -> None:
    account = ews_account(auth=auth, password="not-the-password")
    with pytest.raises(UnauthorizedError):
        account.contacts.refresh()


def test_an_unknown_user_cannot_sign_in_with_ntlm(ews_account: AccountFactory) -> None:
    account = ews_account(auth="ntlm", username="EXAMPLE\\intruder")
    with pytest.raises(UnauthorizedError):
        account.root.refresh()


def test_exchangelib_probes_the_auth_type_and_prefers_ntlm(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    account = ews_account(auth="probe")
    assert account.protocol.auth_type == "NTLM"
    assert account.contacts.total_count == 3
    close_connections()
    ews.auth.methods = {"basic"}
    assert ews_account(auth="probe").protocol.auth_type == "basic"


def test_impersonation_without_the_role_is_denied(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ews.set_impersonation(SERVICE_UPN, granted=False)
    with pytest.raises(ErrorImpersonateUserDenied):
        ews_account().contacts.refresh()


def test_a_management_scope_limits_impersonation_to_its_recipients(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    first, second = (m["smtp"] for m in ews.state()["mailboxes"][:2])
    ews.set_impersonation(SERVICE_UPN, granted=True, recipients={first})
    assert ews_account(first).contacts.total_count == 3
    with pytest.raises(ErrorImpersonateUserDenied):
        ews_account(second).contacts.refresh()


def test_impersonating_an_address_without_a_mailbox_fails(ews_account: AccountFactory) -> None:
    with pytest.raises(ErrorNonExistentMailbox):
        ews_account("former.employee@example.com").contacts.refresh()


def test_each_impersonated_user_sees_only_their_own_mailbox(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    first, second = (m["smtp"] for m in ews.state()["mailboxes"][:2])
    ews.add_contact(first, {"given_name": "Only", "surname": "Mine"})
    names = {c.surname for c in ews_account(first).contacts.all()}
    others = {c.surname for c in ews_account(second).contacts.all()}
    assert "Mine" in names and "Mine" not in others
    assert {mailbox for _, mailbox, _ in ews.operations if mailbox} == {first, second}


def test_autodiscover_finds_the_ews_endpoint_for_the_users_domain(
    ews: ExchangeEmulator, ews_user: str
) -> None:
    # Step 1 of exchangelib's protocol: https://example.com/autodiscover/autodiscover.svc.
    with sandbox_autodiscover({"example.com"}), routed({"example.com": ews}):
        account = Account(
            ews_user,
            credentials=Credentials(SERVICE_UPN, DEFAULT_PASSWORD),
            autodiscover=True,
            access_type="impersonation",
        )
        assert account.protocol.service_endpoint == "https://example.com/EWS/Exchange.asmx"
        assert account.contacts.total_count == 3
    assert ("GetUserSettings", None, 200) in ews.operations


def test_autodiscover_falls_back_to_the_autodiscover_host(
    ews: ExchangeEmulator, ews_user: str
) -> None:
    # Step 1 (https://example.com/...) has no DNS entry; step 2 is autodiscover.example.com.
    with (
        sandbox_autodiscover({"autodiscover.example.com"}),
        routed({"autodiscover.example.com": ews}),
    ):
        account = Account(
            ews_user,
            credentials=Credentials(SERVICE_DOWN_LEVEL, DEFAULT_PASSWORD),
            autodiscover=True,
            access_type="impersonation",
        )
        assert account.protocol.service_endpoint == (
            "https://autodiscover.example.com/EWS/Exchange.asmx"
        )
        assert account.version.api_version == "Exchange2016"


def test_autodiscover_of_an_address_without_a_mailbox_fails(ews: ExchangeEmulator) -> None:
    with (
        sandbox_autodiscover({"example.com"}),
        routed({"example.com": ews}),
        pytest.raises(ErrorNonExistentMailbox),
    ):
        Account(
            "former.employee@example.com",
            credentials=Credentials(SERVICE_UPN, DEFAULT_PASSWORD),
            autodiscover=True,
            access_type="impersonation",
        )
