"""Linking enrolled users to mailboxes, and every link error in plain words, against the
Microsoft 365, Google and Exchange emulators."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from connections.models import MailConnection, Status
from sandbox.company import make_company
from sandbox.google.app import GoogleEmulator
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine.enrollment import NO_CONNECTION, resolve_enrollment
from syncengine.models import ConfigurationAssignment, LinkStatus, SyncUser, TargetType
from tests.configurations.conftest import (
    CLIENT_ID,
    SECRET,
    TENANT,
    Org,
    assign_user,
    configuration,
)
from tests.conftest import SandboxHandle

pytestmark = pytest.mark.django_db


def enroll(*user_ids: str) -> dict[str, SyncUser]:
    config = configuration("Team")
    for user_id in user_ids:
        assign_user(config, user_id)
    result = resolve_enrollment()
    assert result.problem == ""
    return {u.salesforce_user_id: u for u in SyncUser.objects.all()}


def test_a_user_with_a_mailbox_is_linked(org: Org, microsoft365: MicrosoftEmulator) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    ana = org.user("Ana@Example.com")

    row = enroll(ana)[ana]

    assert (row.link_status, row.mailbox_address, row.link_error) == (
        LinkStatus.LINKED,
        "ana@example.com",
        "",
    )


def test_another_user_with_the_same_email_blocks_the_link(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    ana = org.user("ana@example.com")
    org.user("ana@example.com", username="ana.old@example.com.sf", last="Twin")

    row = enroll(ana)[ana]

    assert row.link_status == LinkStatus.ERROR
    assert "another active Salesforce user has the same e-mail address" in row.link_error
    assert "ana.old@example.com.sf" in row.link_error
    assert "Give each user their own e-mail address" in row.link_error


def test_an_inactive_user_with_the_same_email_does_not_block_the_link(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    ana = org.user("ana@example.com")
    org.user("ana@example.com", username="ana.old@example.com.sf", active=False)

    assert enroll(ana)[ana].link_status == LinkStatus.LINKED


def test_a_user_without_a_mailbox_is_told_to_get_a_licence(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    microsoft365.add_mailbox(TENANT, "bo@example.com", "Bo User", has_mailbox=False)
    bo = org.user("bo@example.com")
    cy = org.user("cy@example.com")

    rows = enroll(bo, cy)

    assert rows[bo].link_status == LinkStatus.ERROR
    assert "has no Exchange Online mailbox" in rows[bo].link_error
    assert "Exchange Online licence" in rows[bo].link_error
    assert rows[cy].link_status == LinkStatus.ERROR
    assert "Microsoft 365 has no user cy@example.com" in rows[cy].link_error


def test_missing_consent_is_reported_as_missing_impersonation(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    microsoft365.revoke_consent(TENANT, CLIENT_ID)
    microsoft365.grant_consent(TENANT, CLIENT_ID, {"User.Read.All", "Calendars.ReadWrite"})
    ana = org.user("ana@example.com")

    row = enroll(ana)[ana]

    assert row.link_status == LinkStatus.ERROR
    assert "does not let lsync open ana@example.com's mailbox" in row.link_error
    assert "Log in to Microsoft 365" in row.link_error


def test_an_application_access_policy_is_named(org: Org, microsoft365: MicrosoftEmulator) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    microsoft365.block_mailbox("ana@example.com")
    ana = org.user("ana@example.com")

    row = enroll(ana)[ana]

    assert row.link_status == LinkStatus.ERROR
    assert "application access policy" in row.link_error


def test_a_domain_outside_the_tenant_is_not_covered(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    eve = org.user("eve@elsewhere.org")

    row = enroll(eve)[eve]

    assert row.link_status == LinkStatus.ERROR
    assert "The domain of eve@elsewhere.org is not covered" in row.link_error
    assert "covered: example.com" in row.link_error
    assert "Additional domains" in row.link_error


def test_exchange_honours_the_service_account_domain_and_additional_domains(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connections import http
    from connections.providers.exchange.client import forget_endpoints
    from sandbox.exchange.app import ExchangeEmulator
    from sandbox.exchange.transport import session_factory

    ews = ExchangeEmulator(seed=2)
    ews.add_account("svc@example.com", "tests-only-password", netbios_domain="EXAMPLE")
    ews.add_mailbox("ana@example.com", "Ana")
    ews.add_mailbox("bo@example.net", "Bo")
    monkeypatch.setattr(
        http, "build_session", session_factory({"ews.sandbox.test": ews}, http.build_session)
    )
    forget_endpoints()
    MailConnection.objects.create(
        method=MailConnection.Method.EXCHANGE,
        enabled=True,
        chosen=True,
        username="svc@example.com",
        password="tests-only-password",
        ews_url="https://ews.sandbox.test/EWS/Exchange.asmx",
        additional_domains=["example.net"],
        status=Status.SAVED,
    )
    ana, net, eve = (
        org.user("ana@example.com"),
        org.user("bo@example.net"),
        org.user("eve@elsewhere.org"),
    )

    rows = enroll(ana, net, eve)

    assert rows[ana].link_status == LinkStatus.LINKED
    assert rows[net].link_status == LinkStatus.LINKED
    assert rows[eve].link_status == LinkStatus.ERROR
    assert "covered: example.com, example.net" in rows[eve].link_error
    # Each linked user's mailbox was opened once by impersonation.
    assert {m for op, m, _ in ews.operations if op == "GetFolder"} == {
        "ana@example.com",
        "bo@example.net",
    }


def test_an_exchange_user_without_a_mailbox_gets_its_link_error(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connections import http
    from connections.providers.exchange.client import forget_endpoints
    from sandbox.exchange.app import ExchangeEmulator
    from sandbox.exchange.transport import session_factory

    ews = ExchangeEmulator(seed=2)
    ews.add_account("svc@example.com", "tests-only-password", netbios_domain="EXAMPLE")
    monkeypatch.setattr(
        http, "build_session", session_factory({"ews.sandbox.test": ews}, http.build_session)
    )
    forget_endpoints()
    MailConnection.objects.create(
        method=MailConnection.Method.EXCHANGE, enabled=True, chosen=True,
        username="svc@example.com", password="tests-only-password",
        ews_url="https://ews.sandbox.test/EWS/Exchange.asmx", status=Status.SAVED,
    )  # fmt: skip
    ana = org.user("ana@example.com")
    row = enroll(ana)[ana]
    assert row.link_status == LinkStatus.ERROR
    assert row.link_error.startswith("Exchange has no mailbox for ana@example.com")


def test_without_a_mail_connection_users_wait(org: Org) -> None:
    ana = org.user("ana@example.com")

    row = enroll(ana)[ana]

    assert (row.link_status, row.link_error) == (LinkStatus.PENDING, NO_CONNECTION)


def test_a_google_user_is_linked_through_delegation(org: Org, google: GoogleEmulator) -> None:
    google.add_user("ana@example.com", "Ana", "User")
    ana = org.user("ana@example.com")

    assert enroll(ana)[ana].link_status == LinkStatus.LINKED


def test_a_google_address_that_is_no_workspace_user_has_no_mailbox(
    org: Org, google: GoogleEmulator
) -> None:
    ana = org.user("ana@example.com")

    row = enroll(ana)[ana]

    assert row.link_status == LinkStatus.ERROR
    assert "is not an active user of your Google Workspace" in row.link_error


def test_missing_domain_wide_delegation_is_explained(org: Org, google: GoogleEmulator) -> None:
    google.add_user("ana@example.com", "Ana", "User")
    google.revoke_delegation(google.state()["service_accounts"][0])
    ana = org.user("ana@example.com")

    row = enroll(ana)[ana]

    assert row.link_status == LinkStatus.ERROR
    assert "domain-wide delegation is not granted" in row.link_error
    assert "Domain-wide delegation, add client ID" in row.link_error


def test_a_google_address_outside_the_workspace_is_not_covered(
    org: Org, google: GoogleEmulator
) -> None:
    google.add_user("ana@example.com", "Ana", "User")
    google.add_outside_user("eve@elsewhere.org")
    # Eve is probed first: the refusal is only explained once Ana's delegation has worked.
    eve = org.user("eve@elsewhere.org", username="a.eve@example.com.sf")
    ana = org.user("ana@example.com")

    rows = enroll(eve, ana)

    assert rows[ana].link_status == LinkStatus.LINKED
    assert rows[eve].link_status == LinkStatus.ERROR
    assert "eve@elsewhere.org is not in your Google Workspace domain" in rows[eve].link_error


def test_a_link_error_clears_once_the_cause_is_fixed(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    ana = org.user("ana@example.com")
    assert enroll(ana)[ana].link_status == LinkStatus.ERROR

    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    resolve_enrollment()

    row = SyncUser.objects.get(salesforce_user_id=ana)
    assert (row.link_status, row.link_error) == (LinkStatus.LINKED, "")


def test_the_seeded_company_enrolls_with_its_known_link_errors(
    org: Org, sandbox_product: SandboxHandle, settings: Any
) -> None:
    org.emulator.seed({"company": {"users": 3, "seed": 1}})
    company = make_company(3, 1)
    microsoft: MicrosoftEmulator = sandbox_product.apps["microsoft"]
    tenant = microsoft.seed({"company": {"users": 3, "seed": 1}})["tenant_id"]
    settings.LSYNC_MICROSOFT_CLIENT_ID, settings.LSYNC_MICROSOFT_CLIENT_SECRET = CLIENT_ID, SECRET
    microsoft.register_app(CLIENT_ID, client_secret=SECRET)
    microsoft.grant_consent(tenant, CLIENT_ID)
    MailConnection.objects.create(
        method=MailConnection.Method.MICROSOFT365,
        enabled=True,
        chosen=True,
        tenant_id=tenant,
        status=Status.VERIFIED,
    )
    everyone = configuration("Everyone")
    for name in ("Standard User", "Sales Manager"):
        ConfigurationAssignment.assign(everyone, TargetType.PROFILE, org.profile(name), name)

    result = resolve_enrollment()

    rows = {u.username: u for u in SyncUser.objects.all()}
    assert not [name for name in rows if name.startswith("former.employee")]
    first = company.users[0]
    for username in (first.username, f"duplicate.{first.username}"):
        assert "has the same e-mail address" in rows[username].link_error
    assert all(person.has_mailbox for person in company.users)
    for person in company.users[1:]:
        assert rows[person.username].link_status == LinkStatus.LINKED
    assert result.enrolled == len(company.users) + 1


def test_a_linked_mailbox_is_probed_again_only_on_recheck(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    ana = org.user("ana@example.com")
    assert enroll(ana)[ana].link_status == LinkStatus.LINKED
    microsoft365.block_mailbox("ana@example.com")

    resolve_enrollment()
    assert SyncUser.objects.get().link_status == LinkStatus.LINKED

    call_command("resolve_enrollment", "--recheck", stdout=StringIO())
    row = SyncUser.objects.get()
    assert row.link_status == LinkStatus.ERROR
    assert "application access policy" in row.link_error


def test_each_run_probes_a_bounded_number_of_mailboxes(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    microsoft365.add_mailbox(TENANT, "bo@example.com", "Bo User")
    config = configuration("Team")
    for email in ("ana@example.com", "bo@example.com"):
        assign_user(config, org.user(email))

    first = resolve_enrollment(probe_limit=1)

    assert (first.linked, first.pending) == (1, 1)
    waiting = SyncUser.objects.get(link_status=LinkStatus.PENDING)
    assert waiting.link_error.startswith("Waiting for its mailbox check")
    second = resolve_enrollment(probe_limit=1)
    assert (second.linked, second.pending) == (2, 0)


def test_without_directory_access_an_outside_address_is_reported_as_unknown(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.revoke_consent(TENANT, CLIENT_ID)
    microsoft365.grant_consent(TENANT, CLIENT_ID, {"Contacts.ReadWrite", "Calendars.ReadWrite"})
    eve = org.user("eve@elsewhere.org")

    row = enroll(eve)[eve]

    assert row.link_status == LinkStatus.ERROR
    assert "Microsoft 365 has no user eve@elsewhere.org" in row.link_error
