"""Issue 12 item 2: every path that syncs refuses a user who is not linked, saying why.

Reproduces the demo's two Salesforce users sharing chloe.vanderberg@example.com: enrollment gives
both a link error, and then neither the Sync now button, the preview, the `sync_now` command, the
task nor the service itself may sync them into the one mailbox of that address."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from connections.models import MailConnection
from mappings.models import ItemMapping, SyncRun
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine import service, tasks
from syncengine.enrollment import resolve_enrollment
from syncengine.models import LinkStatus, SyncUser
from tests.configurations.conftest import TENANT, Org, assign_user, configuration

pytestmark = pytest.mark.django_db

CHLOE = "chloe.vanderberg@example.com"


@pytest.fixture
def twins(org: Org, microsoft365: MicrosoftEmulator) -> list[SyncUser]:
    microsoft365.add_mailbox(TENANT, CHLOE, "Chloé Vanderberg")
    first = org.user(CHLOE)
    second = org.user(CHLOE, username="chloe.v2@example.com.sf", last="Twin")
    config = configuration("Team")
    assign_user(config, first)
    assign_user(config, second)
    assert resolve_enrollment().problem == ""
    users = list(SyncUser.objects.order_by("username"))
    assert [u.link_status for u in users] == [LinkStatus.ERROR, LinkStatus.ERROR]
    return users


def nothing_synced(microsoft365: MicrosoftEmulator) -> None:
    assert not SyncRun.objects.exclude(status="dry-run").exists()
    assert not ItemMapping.objects.exists()
    box = microsoft365.mailbox(CHLOE)
    assert box.contacts == {} and box.events == {}


def test_item2_the_service_refuses_a_user_whose_link_failed(
    twins: list[SyncUser], microsoft365: MicrosoftEmulator
) -> None:
    for user in twins:
        for kind in ("contacts", "events"):
            outcome = service.sync_user(user.pk, kind)  # type: ignore[arg-type]
            assert outcome.status == "skipped"
            assert "not linked to a mailbox" in outcome.message
            assert "same e-mail address" in outcome.message
    nothing_synced(microsoft365)


def test_item2_the_sync_now_button_refuses_and_says_why(
    twins: list[SyncUser], microsoft365: MicrosoftEmulator, admin_client: Client
) -> None:
    for user in twins:
        response = admin_client.post(f"/status/users/{user.pk}/sync-now/", follow=True)
        body = response.content.decode()
        assert "is not linked to a mailbox" in body and "same e-mail address" in body
        assert "Sync of" not in body
    nothing_synced(microsoft365)


def test_item2_the_preview_refuses_and_says_why(
    twins: list[SyncUser], microsoft365: MicrosoftEmulator, admin_client: Client
) -> None:
    body = admin_client.post(f"/status/users/{twins[0].pk}/preview/").content.decode()
    assert "Not previewed" in body and "is not linked to a mailbox" in body
    assert not SyncRun.objects.exists()


def test_item2_the_command_refuses_and_says_why(
    twins: list[SyncUser], microsoft365: MicrosoftEmulator
) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match="no linked user has the e-mail"):
        call_command("sync_now", "--user", CHLOE, stdout=out)
    assert out.getvalue().count("same e-mail address") == 2
    call_command("sync_now", stdout=out)
    nothing_synced(microsoft365)


def test_item2_the_task_refuses(twins: list[SyncUser], microsoft365: MicrosoftEmulator) -> None:
    for user in twins:
        assert set(tasks.sync_user_task(user.pk).values()) == {"skipped"}
    nothing_synced(microsoft365)


def test_item2_a_linked_user_records_the_connection_it_was_linked_through(
    org: Org, microsoft365: MicrosoftEmulator
) -> None:
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    assign_user(configuration("Team"), org.user("ana@example.com"))
    resolve_enrollment()
    user = SyncUser.objects.get()
    assert user.link_status == LinkStatus.LINKED
    assert user.mail_connection == MailConnection.objects.get(method="microsoft365")
