from __future__ import annotations

import html
import re
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


def figure(body: str, cell_id: str) -> tuple[str, str]:
    """(the tone, the words) of one figure of the organisation summary."""
    found = re.search(rf'<td id="{cell_id}"(?: data-tone="(\w+)")?>(.*?)</td>', body)
    assert found, f"no figure {cell_id}"
    return found.group(1) or "", re.sub(r"<[^>]+>", "", found.group(2)).strip()


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
    assert figure(body, "org-linked") == ("neutral", "1 of 3: 1 cannot be linked (see Link below)")
    assert figure(body, "org-synced") == ("", "9")
    assert figure(body, "org-errors") == ("error", "2 (1 link error, 1 sync issue)")
    assert figure(body, "org-events") == ("neutral", "never")
    assert figure(body, "org-contacts")[0] == "success"
    assert f"{ana.contacts_synced_at:%Y-%m-%d %H:%M}" in figure(body, "org-contacts")[1]
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
    assert '<progress class="lsync-progress slds-m-top_xx-small" max="100" value="40"' in body
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
    assert (
        '<span class="slds-badge slds-theme_error">Link error</span> '
        "Can't link the user because another user" in body
    )
    # Its mail connection does not promise a link the error contradicts.
    assert "the next enrollment run links the user" not in body
    assert "None: the user could not be linked" in body
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


def test_status_counts_link_errors_shows_them_as_red_badges_and_colours_the_summary(
    manager: Client, make_user: MakeUser
) -> None:
    """Issue 12 item 8: two of six demo users could not be linked, yet "Open errors" said 0."""
    for name in ("ana", "bob", "cy", "dee"):
        make_user(f"{name}@example.com", contacts_synced_at=timezone.now())
    for username in ("chloe@example.com.sf", "duplicate.chloe@example.com.sf"):
        make_user(
            "chloe@example.com",
            username=username,
            link_status=LinkStatus.ERROR,
            link_error="Another active Salesforce user has the same e-mail address.",
        )
    body = manager.get("/status/").content.decode()

    assert figure(body, "org-errors") == ("error", "2 (2 link errors, 0 sync issues)")
    assert figure(body, "org-linked")[0] == "neutral"
    assert figure(body, "org-contacts")[0] == "success"
    assert figure(body, "org-unresolved") == ("success", "0")
    red = re.findall(
        r'data-link="error"><span class="slds-badge slds-theme_error">Link error</span>', body
    )
    assert len(red) == 2
    assert body.count('<span class="slds-badge slds-theme_success">Linked</span>') == 4


def test_a_summary_with_every_user_linked_and_nothing_open_is_all_green(
    manager: Client, make_user: MakeUser
) -> None:
    make_user("ana@example.com", contacts_synced_at=timezone.now() - timedelta(hours=3))
    body = manager.get("/status/").content.decode()
    assert figure(body, "org-linked") == ("neutral", "1 of 1")
    assert figure(body, "org-errors") == ("success", "0")
    assert figure(body, "org-contacts")[0] == "warning"  # hours without a sync need a look


def test_the_red_badge_is_on_the_users_who_cannot_be_linked_never_on_the_linked_count(
    manager: Client, make_user: MakeUser
) -> None:
    """A new admin read a red "4" as four users in trouble: four were fine, two were not."""
    for name in ("ana", "bob", "cy", "dee"):
        make_user(f"{name}@example.com", contacts_synced_at=timezone.now())
    for name in ("eve", "fay"):
        make_user(f"{name}@example.com", link_status=LinkStatus.ERROR, link_error="No mailbox")
    failing = make_user("gus@example.com", contacts_status=KindStatus.ERROR)
    SyncIssue.objects.create(sync_user=failing, kind="contacts", code="rejected", message="x")
    body = manager.get("/status/").content.decode()
    linked = re.search(r'<td id="org-linked"[^>]*>(.*?)</td>', body)
    assert linked
    assert '<span class="slds-badge slds-badge_lightest">5</span> of 7' in linked.group(1)
    assert '<span class="slds-badge slds-theme_error">2 cannot be linked</span>' in linked.group(1)
    errors = re.search(r'<td id="org-errors"[^>]*>(.*?)</td>', body)
    assert errors and '<span class="slds-badge slds-theme_error">3</span>' in errors.group(1)
