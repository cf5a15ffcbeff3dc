"""Issue 12 item 3: a failed "Test as user" is that user's problem, not the connection's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from connections.models import SalesforceConnection, Status
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine.models import SyncUser
from tests.connections.test_test_connection_page import (
    USER,
    m365,
    microsoft365,
    run_test,
    shown_steps,
)
from tests.providers.conftest import (  # noqa: F401  (fixtures)
    SalesforceSetup,
    make_sync_user,
    salesforce_connection,
    sandbox_product,
)

__all__ = ["microsoft365"]
pytestmark = pytest.mark.django_db


def test_item3_a_typo_in_test_as_user_leaves_a_verified_microsoft_connection_verified(
    manager_client: Client, microsoft365: MicrosoftEmulator
) -> None:
    run_test(manager_client, "/setup/outlook/test/", USER)
    assert m365().status == Status.VERIFIED

    body = run_test(manager_client, "/setup/outlook/test/", "ana@exampel.com")
    steps = shown_steps(body)
    assert [(v, n) for v, n, _ in steps] == [
        ("Passed", "Sign in to Microsoft 365"),
        ("Failed", "Mailbox"),
    ]
    assert "no user ana@exampel.com" in steps[-1][2]
    assert "concerns only the user tested" in body
    assert m365().status == Status.VERIFIED
    assert '<span class="slds-badge slds-theme_error">Error</span>' not in (
        manager_client.get("/setup/").content.decode()
    )


def test_item3_a_typo_in_test_as_user_leaves_the_salesforce_connection_as_it_was(
    manager_client: Client,
    salesforce_connection: SalesforceSetup,  # noqa: F811
    make_sync_user: Callable[..., SyncUser],  # noqa: F811
) -> None:
    make_sync_user(USER)
    run_test(manager_client, "/setup/salesforce/test/", USER)
    assert SalesforceConnection.objects.get().status == Status.VERIFIED

    body = run_test(manager_client, "/setup/salesforce/test/", "ana@exampel.com")
    assert shown_steps(body)[0][:2] == ("Failed", "Token")
    assert "concerns only the user tested" in body
    assert SalesforceConnection.objects.get().status == Status.VERIFIED


def test_item3_a_connection_wide_failure_still_marks_the_connection_error(
    manager_client: Client, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.revoke_consent(
        "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7", "6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a"
    )
    run_test(manager_client, "/setup/outlook/test/", "ana@exampel.com")
    assert m365().status == Status.ERROR
