"""Test Connection for Google: what each failure mode says, against the emulator."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command

from connections.models import MailConnection, Status
from connections.providers.google.checks import run_checks
from connections.providers.google.client import (
    CALENDAR_SCOPE,
    CONTACTS_SCOPE,
    clear_credentials_cache,
)
from sandbox.google.keys import generate_service_account_key
from syncengine.models import SyncConfiguration, SyncUser
from tests.conftest import SandboxHandle
from tests.providers.google.conftest import BASE, USER, GoogleRig, service_account_key

pytestmark = pytest.mark.django_db

STEPS = [
    "Service account key",
    "User found",
    "Domain-wide delegation",
    "Contact group",
    "Calendar",
    "Write permission",
]


def _summary(steps: list) -> list[tuple[str, bool]]:  # type: ignore[type-arg]
    return [(s.name, s.ok) for s in steps]


def test_a_working_setup_passes_every_step_and_creates_the_group(google: GoogleRig) -> None:
    steps = run_checks(USER, google.info)
    assert _summary(steps) == [(name, True) for name in STEPS]
    assert "was created" in steps[3].message
    assert "was found" in run_checks(USER, google.info)[3].message


def test_the_stored_key_is_used_and_a_missing_one_says_to_upload_it(google: GoogleRig) -> None:
    (step,) = run_checks(USER)
    assert not step.ok and "Upload the JSON key on the Google setup page" in step.message
    MailConnection.objects.create(method="google", service_account_key=json.dumps(google.info))
    assert all(s.ok for s in run_checks(USER))


def test_a_file_that_is_no_service_account_key_is_named(google: GoogleRig) -> None:
    info = {k: v for k, v in google.info.items() if k != "private_key"}
    (step,) = run_checks(USER, info)
    assert "not a service account key (missing private_key)" in step.message


def test_a_revoked_key_says_to_create_a_new_one(google: GoogleRig) -> None:
    forged, _public = generate_service_account_key(
        BASE + "/token", client_email=google.info["client_email"]
    )
    forged["private_key_id"] = google.info["private_key_id"]
    (step,) = run_checks(USER, forged)
    assert not step.ok
    assert "revoked or deleted" in step.message and "create a new JSON key" in step.message


def test_a_deleted_service_account_is_named(google: GoogleRig) -> None:
    del google.emu.authority.accounts[google.info["client_email"]]
    (step,) = run_checks(USER, google.info)
    assert (
        f"The service account {google.info['client_email']} does not exist any more" in step.message
    )


def test_without_an_address_or_an_enrolled_user_only_the_key_is_tested(google: GoogleRig) -> None:
    steps = run_checks(None, google.info)
    assert _summary(steps) == [("Service account key", True), ("User found", False)]
    assert "No user is enrolled in an active sync configuration yet" in steps[1].message


def test_a_salesforce_username_or_no_address_tests_the_enrolled_users_mailbox(
    google: GoogleRig,
) -> None:
    config = SyncConfiguration.objects.create(name="Sales")
    SyncUser.objects.create(
        configuration=config, salesforce_user_id="005000000000001AAA", username="ana@corp.sf",
        email="ana@corp.example", mailbox_address=USER,
    )  # fmt: skip
    for given in (None, "ana@corp.sf", "ANA@corp.example"):
        steps = run_checks(given, google.info)
        assert all(s.ok for s in steps) and len(steps) == len(STEPS)
        assert USER in steps[1].message


def test_missing_delegation_says_where_to_add_the_client_id_and_scopes(google: GoogleRig) -> None:
    google.emu.revoke_delegation(google.client_id)
    steps = run_checks(USER, google.info)
    assert _summary(steps) == [("Service account key", True), ("Domain-wide delegation", False)]
    message = steps[-1].message
    assert "Security > API controls > Domain-wide delegation" in message
    assert (
        f"add client ID {google.client_id} with the scopes {CONTACTS_SCOPE},{CALENDAR_SCOPE}"
        in message
    )
    assert f"or {USER} is not a user of the Google Workspace domain" in message


def test_a_missing_scope_is_named(google: GoogleRig) -> None:
    google.emu.revoke_delegation(google.client_id)
    google.emu.grant_delegation(google.client_id, [CONTACTS_SCOPE, CALENDAR_SCOPE + ".readonly"])
    steps = run_checks(USER, google.info)
    assert _summary(steps)[-2:] == [("User found", True), ("Domain-wide delegation", False)]
    assert f"missing the scope {CALENDAR_SCOPE}." in steps[-1].message
    assert f"edit client ID {google.client_id}" in steps[-1].message


@pytest.mark.parametrize("suspended", [False, True])
def test_an_unknown_or_suspended_user_is_not_found(google: GoogleRig, suspended: bool) -> None:
    email = "gone@example.com"
    if suspended:
        google.emu.add_user(email, suspended=True)
    steps = run_checks(email, google.info)
    assert _summary(steps)[-1] == ("User found", False)
    assert f"{email} is not an active user of your Google Workspace domain" in steps[-1].message


def test_a_user_outside_the_domain_gets_both_possible_causes(google: GoogleRig) -> None:
    google.emu.add_outside_user("guest@partner.example")
    steps = run_checks("guest@partner.example", google.info)
    assert steps[-1].name == "Domain-wide delegation" and not steps[-1].ok
    assert "guest@partner.example is not a user of the Google Workspace domain" in steps[-1].message


def test_a_throttled_calendar_says_to_try_again(google: GoogleRig) -> None:
    google.emu.inject("429", route="google.calendar.events.list", retry_after=5)
    steps = run_checks(USER, google.info)
    assert _summary(steps)[-1] == ("Calendar", False)
    assert "rate limiting" in steps[-1].message


def test_a_server_error_on_the_contacts_is_reported_with_its_status(google: GoogleRig) -> None:
    google.emu.inject("500", route="google.people.groups.list")
    steps = run_checks(USER, google.info)
    assert _summary(steps)[-1] == ("Contact group", False)
    assert "Google could not open the contacts of ana@example.com (500" in steps[-1].message


def test_the_test_connection_command_runs_the_google_steps(
    sandbox_product: SandboxHandle,
    make_sync_user: Callable[..., SyncUser],
) -> None:
    clear_credentials_cache()
    emu = sandbox_product.apps["google"]
    info, public = service_account_key()
    client_id = emu.register_service_account(
        info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
    )
    emu.grant_delegation(client_id, [CONTACTS_SCOPE, CALENDAR_SCOPE])
    emu.add_user(USER)
    MailConnection.objects.create(
        method="google", enabled=True, status=Status.VERIFIED,
        service_account_key=json.dumps(info), client_email=info["client_email"],
    )  # fmt: skip
    make_sync_user(USER)
    out = io.StringIO()
    call_command("test_connection", "--user", USER, stdout=out)
    text = out.getvalue()
    assert all(f"[OK  ] {name}:" in text for name in STEPS), text
    assert "Every step passed." in text
