"""Enrollment on Exchange: which users the service account serves (its domain and the additional
domains), and the mailbox probe by impersonation with one link-error sentence per failure."""

from __future__ import annotations

import pytest

from connections.providers.exchange.directory import ExchangeMailboxes
from connections.providers.exchange.errors import WRONG_PASSWORD
from syncengine.enrollment import Link, link_from_probe, route
from syncengine.models import LinkStatus
from tests.providers.exchange.conftest import USER, Exchange


def mailboxes(exchange: Exchange, **changes: object) -> ExchangeMailboxes:
    return ExchangeMailboxes(exchange.client(**changes).settings)


def test_users_of_the_service_accounts_domain_and_the_additional_ones_are_routed_to_exchange(
    exchange: Exchange,
) -> None:
    directory = mailboxes(exchange, additional_domains=("nordvik.de",))
    assert route("ana@nordvik.example", [directory]) is directory
    assert route("bo@nordvik.de", [directory]) is directory
    elsewhere = route("cy@other.example", [directory])
    assert isinstance(elsewhere, Link) and elsewhere.status == LinkStatus.ERROR
    assert "other.example is neither" in elsewhere.message and "nordvik.de" in elsewhere.message


def test_a_user_whose_mailbox_opens_by_impersonation_is_linked(exchange: Exchange) -> None:
    probe = mailboxes(exchange).probe(USER)
    assert probe.outcome == "ok"
    assert ("GetFolder", USER, 200) in exchange.emulator.operations
    assert link_from_probe(probe, USER, None).status == LinkStatus.LINKED


def test_a_user_without_a_mailbox_gets_the_no_mailbox_sentence(exchange: Exchange) -> None:
    probe = mailboxes(exchange).probe("ghost@nordvik.example")
    assert probe.outcome == "no_mailbox"
    assert probe.message.startswith("Exchange has no mailbox for ghost@nordvik.example")
    link = link_from_probe(probe, "ghost@nordvik.example", None)
    assert (link.status, link.message) == (LinkStatus.ERROR, probe.message)


def test_missing_impersonation_gets_the_role_sentence(exchange: Exchange) -> None:
    exchange.emulator.set_impersonation("svc-lsync@nordvik.example", False)
    probe = mailboxes(exchange).probe(USER)
    assert probe.outcome == "no_access"
    assert "give the service account the ApplicationImpersonation role" in probe.message
    assert "New-ManagementRoleAssignment -Name lsync" in probe.message


def test_a_wrong_password_gets_the_sign_in_sentence(exchange: Exchange) -> None:
    probe = mailboxes(exchange, password="wrong").probe(USER)
    assert (probe.outcome, probe.message) == ("no_access", WRONG_PASSWORD)


@pytest.mark.parametrize("kind", ["503", "reset"])
def test_an_unreachable_server_leaves_the_link_pending_and_says_it_retries(
    exchange: Exchange, kind: str
) -> None:
    exchange.emulator.inject(kind, route="ews.*", times=None)
    probe = mailboxes(exchange).probe(USER)
    assert probe.outcome == "unavailable", probe
    assert link_from_probe(probe, USER, None).status == LinkStatus.PENDING
