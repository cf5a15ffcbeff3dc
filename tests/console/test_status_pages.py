from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import MailConnection, Status
from mappings.models import SyncIssue, SyncRun
from syncengine.models import KindStatus, LinkStatus
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


def text(response: object) -> str:
    return html.unescape(" ".join(response.content.decode().split()))  # type: ignore[attr-defined]


def test_the_organisation_block_sums_up_the_whole_org(manager: Client, make_user: MakeUser) -> None:
    MailConnection.objects.create(
        method="microsoft365", enabled=True, chosen=True, status=Status.VERIFIED
    )
    ana = make_user("ana@example.com", contacts_synced_at=timezone.now() - timedelta(minutes=5))
    make_user("bob@example.com", link_status=LinkStatus.ERROR, link_error="Two users share it")
    make_user("cy@example.com", link_status=LinkStatus.PENDING)
    SyncRun.objects.create(
        sync_user=ana, kind="contacts", status="ok", counts={"created_mailbox": 3, "linked": 2,
                                                              "skipped": 9, "errors_mailbox": 1})  # fmt: skip
    SyncRun.objects.create(
        sync_user=ana, kind="events", status="ok", counts={"updated_salesforce": 4}
    )
    SyncRun.objects.create(
        sync_user=ana, kind="events", status="ok", counts={"created_mailbox": 100},
        started_at=timezone.now() - timedelta(hours=25),
    )  # fmt: skip
    SyncRun.objects.create(sync_user=ana, kind="events", status="dry-run", counts={"create": 50})
    SyncIssue.objects.create(sync_user=ana, kind="events", code="rejected", message="x")
    SyncIssue.objects.create(
        sync_user=ana, kind="events", code="rejected", message="y", ignored=True
    )

    body = text(manager.get("/status/"))
    assert "Connection method</th><td>Microsoft 365</td>" in body
    assert "Users linked</th><td>1 of 3</td>" in body
    assert "Items synced in the last 24 hours</th><td>9</td>" in body
    assert "Open errors</th><td>1</td>" in body
    assert "Last sync activity: events</th><td>never</td>" in body
    assert (
        "Last sync activity: contacts</th><td>" + f"{ana.contacts_synced_at:%Y-%m-%d %H:%M}" in body
    )
    for email in ("ana@example.com", "bob@example.com", "cy@example.com"):
        assert email in body


def test_no_connection_method_says_so(manager: Client) -> None:
    MailConnection.objects.create(method="google", enabled=False, status=Status.VERIFIED)
    assert "None configured" in text(manager.get("/status/"))


def test_the_user_list_can_be_searched(manager: Client, make_user: MakeUser) -> None:
    make_user("ana@example.com")
    make_user("bob@example.com")
    body = text(manager.get("/status/", {"q": "ANA"}))
    assert "ana@example.com" in body and "bob@example.com" not in body


def test_each_direction_reads_as_plain_words(manager: Client, make_user: MakeUser) -> None:
    user = make_user(
        "ana@example.com",
        contacts_status=KindStatus.INITIAL_SYNC,
        contacts_progress=40,
        events_status=KindStatus.ERROR,
        events_message="Salesforce refused the login.",
    )
    SyncIssue.objects.create(
        sync_user=user, kind="events", code="auth_failed", message="Salesforce refused the login."
    )
    body = text(manager.get(f"/status/users/{user.pk}/"))
    assert "Initial sync 40 %" in body
    assert 'aria-valuenow="40"' in body
    assert 'http-equiv="refresh"' in body  # the percentage moves while the page is open
    assert "Salesforce refused the login." in body
    assert "What to do:</strong> Check the connection in Setup" in body
    assert "Sales team" in body


def test_a_linking_error_is_shown_in_the_users_words(manager: Client, make_user: MakeUser) -> None:
    user = make_user(
        link_status=LinkStatus.ERROR,
        link_error="Can't link the user because another user has the same email address.",
    )
    body = text(manager.get(f"/status/users/{user.pk}/"))
    assert "<strong>Error</strong>: Can't link the user because another user" in body
    pending = make_user(link_status=LinkStatus.PENDING)
    assert "Not linked yet" in text(manager.get(f"/status/users/{pending.pk}/"))


def test_a_kind_turned_off_and_a_user_not_started_say_so(
    manager: Client, make_user: MakeUser
) -> None:
    user = make_user()
    user.configuration.events_direction = "off"  # type: ignore[union-attr]
    user.configuration.save()  # type: ignore[union-attr]
    body = text(manager.get(f"/status/users/{user.pk}/"))
    assert "Not started" in body
    assert "Off in “Sales team”" in body
    assert 'http-equiv="refresh"' not in body


def test_the_run_history_shows_counts_api_calls_and_salesforce_limits(
    manager: Client, make_user: MakeUser
) -> None:
    user = make_user()
    SyncRun.objects.create(
        sync_user=user, kind="contacts", status="partial", counts={"created_mailbox": 2},
        api_calls=17, salesforce_limits="api-usage=25/15000", finished_at=timezone.now(),
    )  # fmt: skip
    body = text(manager.get(f"/status/users/{user.pk}/"))
    assert "created mailbox 2" in body
    assert "<td>17</td>" in body
    assert "api-usage=25/15000" in body
    assert "Partly done" in body


def test_an_unknown_user_is_a_404(manager: Client) -> None:
    assert manager.get("/status/users/999/").status_code == 404
