"""Test Connection for Salesforce: each failure mode shows what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections.models import SalesforceConnection
from connections.providers.salesforce.checks import run_checks
from sandbox.salesforce.testkit import make_certificate
from syncengine.models import SyncUser
from syncengine.provider import CheckStep
from tests.providers.conftest import SalesforceSetup

pytestmark = pytest.mark.django_db

STEPS = ["token", "user found", "contacts readable", "events readable", "write permission"]


def failed(steps: list[CheckStep]) -> CheckStep:
    bad = [s for s in steps if not s.ok]
    assert len(bad) == 1, steps
    assert steps[-1] == bad[0], "a failed step ends the checks"
    return bad[0]


def test_every_step_passes_for_a_pre_authorized_user(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    user = make_sync_user("ana@example.com")
    salesforce_connection.emulator.add_record(
        "Contact", {"LastName": "X"}, as_user=user.salesforce_user_id
    )
    steps = run_checks(None)
    assert [s.name for s in steps] == STEPS and all(s.ok for s in steps), steps
    assert steps[0].message == "Logged in to Salesforce as ana@example.com."
    assert steps[2].message == "The user owns 1 contact."
    assert steps[3].message == "The user owns 0 events."


def test_the_write_check_leaves_nothing_behind(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    run_checks("ana@example.com")
    state = salesforce_connection.emulator.state()["objects"]
    assert state["Contact"]["live"] == 0 and state["Event"]["live"] == 0


def test_an_unknown_consumer_key_says_where_to_copy_it_from(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    SalesforceConnection.objects.filter(pk=1).update(consumer_key="3MVG9wrong")
    step = failed(run_checks("ana@example.com"))
    assert step.name == "token"
    assert "does not know the consumer key" in step.message
    assert "Manage Consumer Details" in step.message


def test_a_key_that_does_not_match_the_certificate_says_so(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    _, other_certificate = make_certificate("someone-else")
    salesforce_connection.emulator.register_connected_app(
        salesforce_connection.consumer_key, other_certificate
    )
    step = failed(run_checks("ana@example.com"))
    assert "does not belong to the certificate" in step.message


def test_a_user_not_pre_authorized_is_told_how_to_pre_authorize(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    salesforce_connection.emulator.register_connected_app(
        salesforce_connection.consumer_key,
        salesforce_connection.certificate,
        preauthorized_usernames=["someone.else@example.com"],
    )
    step = failed(run_checks("ana@example.com"))
    assert "ana@example.com is not pre-authorized" in step.message
    assert "'Admin approved users are pre-authorized'" in step.message
    assert "profile or a permission set" in step.message


def test_a_deactivated_user_is_named(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    user = make_sync_user("ana@example.com")
    salesforce_connection.emulator.set_user_active(user.salesforce_user_id, False)
    step = failed(run_checks("ana@example.com"))
    assert "ana@example.com is deactivated" in step.message


def test_an_unknown_username_points_at_the_login_url(
    salesforce_connection: SalesforceSetup,
) -> None:
    step = failed(run_checks("nobody@example.com"))
    assert "no user has that username" in step.message
    assert "https://test.salesforce.com" in step.message


def test_a_server_clock_far_behind_is_reported_as_a_clock_problem(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    salesforce_connection.emulator.clock.advance(600)
    step = failed(run_checks("ana@example.com"))
    assert "clock" in step.message and "NTP" in step.message


def test_an_unusable_private_key_is_reported_before_any_request(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    connection = SalesforceConnection.load()
    connection.private_key = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    connection.save()
    step = failed(run_checks("ana@example.com"))
    assert "cannot sign" in step.message


def test_a_missing_setup_and_a_missing_user_are_explained(
    salesforce_connection: SalesforceSetup,
) -> None:
    assert "No user is enrolled" in failed(run_checks(None)).message
    SalesforceConnection.objects.all().delete()
    assert "Salesforce is not set up" in failed(run_checks("ana@example.com")).message


def test_an_exhausted_api_allowance_stops_the_checks_with_the_reason(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    salesforce_connection.emulator.api_limit = 0
    step = failed(run_checks("ana@example.com"))
    assert step.name == "user found"
    assert "API request allowance" in step.message


def test_the_command_prints_each_step_and_fails_without_a_mail_connection(
    salesforce_connection: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
) -> None:
    make_sync_user("ana@example.com")
    out = StringIO()
    with pytest.raises(CommandError, match="1 step"):
        call_command("test_connection", "--user", "ana@example.com", stdout=out)
    text = out.getvalue()
    for name in STEPS:
        assert f"[OK  ] {name}:" in text
    assert "[FAIL] connection: No Exchange, Microsoft 365 or Google connection is enabled" in text
