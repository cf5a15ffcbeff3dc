"""The demo wiring against the in-process sandbox: `demo_setup --sandbox` connects lsync the way
an admin would, and `sync_now` prints per-user counts that match what the sandbox holds after."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from mappings.models import ItemMapping, SyncIssue
from sandbox.company import make_company
from syncengine.models import LinkStatus, SyncUser
from tests.conftest import SandboxHandle

USERS, SEED = 3, 4


@pytest.fixture
def demo_sandbox(sandbox_product: SandboxHandle, settings: Any, db: None) -> SandboxHandle:
    for app in sandbox_product.apps.values():
        app.seed({"company": {"users": USERS, "seed": SEED}})
    settings.LSYNC_DEMO = True
    settings.LSYNC_MICROSOFT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = "demo-only-secret-for-the-sandbox"
    settings.LSYNC_SALESFORCE_DIRECTORY_USER = make_company(USERS, SEED).users[0].username
    settings.LSYNC_STORE_BACKEND = "providers"
    return sandbox_product


def _sync_folder_contacts(sandbox: SandboxHandle, email: str) -> int:
    box = sandbox.apps["microsoft"].mailbox(email)
    folders = [f.id for f in box.folders.values() if f.data.get("displayName") == "Salesforce_Sync"]
    return sum(1 for c in box.contacts.values() if c.parent_id in folders)


def _salesforce_contacts_owned_by(sandbox: SandboxHandle, user_id: str) -> int:
    store = sandbox.apps["salesforce"].store
    return sum(1 for c in store.live("Contact") if c["OwnerId"] == user_id)


def test_the_demo_wires_every_connection_and_enrolls_the_company(
    demo_sandbox: SandboxHandle,
) -> None:
    out = StringIO()
    call_command("demo_setup", sandbox="microsoft365", stdout=out)
    text = out.getvalue()
    assert "Salesforce: connected app registered" in text
    assert "Microsoft 365: app consented" in text
    assert SyncUser.objects.filter(link_status=LinkStatus.LINKED).count() >= 1


def test_sync_now_on_the_demo_prints_counts_that_match_the_sandbox(
    demo_sandbox: SandboxHandle,
) -> None:
    call_command("demo_setup", sandbox="microsoft365", stdout=StringIO())
    out = StringIO()
    call_command("sync_now", kind="contacts", stdout=out)
    text = out.getvalue()
    linked = list(SyncUser.objects.filter(link_status=LinkStatus.LINKED))
    assert linked
    for unlinked in SyncUser.objects.filter(link_status=LinkStatus.ERROR):
        assert f"{unlinked.email}: skipped, {unlinked.link_error}" in text
    for user in linked:
        section = text.split(f"{user.email} · contacts", 1)[1].split(" · ", 1)[0]
        printed = re.search(r"created mailbox: (\d+)", section)
        in_salesforce = _salesforce_contacts_owned_by(demo_sandbox, user.salesforce_user_id)
        assert printed is not None, section
        assert int(printed.group(1)) == in_salesforce > 0
        assert _sync_folder_contacts(demo_sandbox, user.mailbox_address) == in_salesforce
        assert ItemMapping.objects.filter(sync_user=user, kind="contacts").count() == in_salesforce

    again = StringIO()
    call_command("sync_now", kind="contacts", stdout=again)
    assert "created" not in again.getvalue()


def _restart_sandbox(sandbox: SandboxHandle) -> None:
    """What a second `make demo` does to the sandbox: new emulators, seeded afresh, at the same
    addresses (it keeps its state in memory only)."""
    fresh = SandboxHandle()
    for app in fresh.apps.values():
        app.seed({"company": {"users": USERS, "seed": SEED}})
    sandbox.apps, sandbox.session = fresh.apps, fresh.session


def test_item6_a_second_demo_starts_clean_and_trips_no_guard(
    demo_sandbox: SandboxHandle,
) -> None:
    """Issue 12 item 6: the second demo must not keep the first one's sync state against a
    sandbox that started afresh (every linked user tripped the mass-delete guard)."""
    call_command("demo_setup", sandbox="microsoft365", stdout=StringIO())
    call_command("sync_now", stdout=StringIO())
    assert ItemMapping.objects.exists()

    _restart_sandbox(demo_sandbox)
    out = StringIO()
    call_command("demo_setup", sandbox="microsoft365", stdout=out)
    assert "Earlier demo state cleared" in out.getvalue()
    report = StringIO()
    call_command("sync_now", stdout=report)
    assert "guard" not in report.getvalue()
    assert not SyncIssue.objects.filter(resolved_at__isnull=True, code__startswith="guard").exists()
    for user in SyncUser.objects.filter(link_status=LinkStatus.LINKED):
        in_salesforce = _salesforce_contacts_owned_by(demo_sandbox, user.salesforce_user_id)
        assert _sync_folder_contacts(demo_sandbox, user.mailbox_address) == in_salesforce


def test_the_demo_runs_on_exchange_and_a_second_run_creates_nothing(
    demo_sandbox: SandboxHandle,
) -> None:
    settings_ews = demo_sandbox.bases["exchange"] + "/EWS/Exchange.asmx"
    from django.conf import settings

    settings.LSYNC_EWS_URL = settings_ews
    out = StringIO()
    call_command("demo_setup", sandbox="exchange", stdout=out)
    assert "Exchange: service account svc-lsync@" in out.getvalue()
    linked = list(SyncUser.objects.filter(link_status=LinkStatus.LINKED))
    assert linked and all(u.mailbox_address for u in linked)
    first = StringIO()
    call_command("sync_now", kind="contacts", stdout=first)
    for user in linked:
        section = first.getvalue().split(f"{user.email} · contacts", 1)[1].split(" · ", 1)[0]
        printed = re.search(r"created mailbox: (\d+)", section)
        in_salesforce = _salesforce_contacts_owned_by(demo_sandbox, user.salesforce_user_id)
        assert printed is not None and int(printed.group(1)) == in_salesforce > 0, section
    again = StringIO()
    call_command("sync_now", kind="contacts", stdout=again)
    assert "created" not in again.getvalue()
    events = StringIO()
    call_command("sync_now", kind="events", stdout=events)
    assert "error" not in events.getvalue().lower(), events.getvalue()


def test_the_demo_runs_on_a_radicale_server_and_writes_nothing_once_its_series_settled(
    demo_sandbox: SandboxHandle, settings: Any
) -> None:
    settings.LSYNC_DEMO_CALDAV_URL = demo_sandbox.bases["caldav"]
    out = StringIO()
    call_command("demo_setup", sandbox="caldav", stdout=out)
    assert "CalDAV/CardDAV: service account svc-lsync acting for every user" in out.getvalue()
    linked = list(SyncUser.objects.filter(link_status=LinkStatus.LINKED))
    assert linked and all(u.mail_connection.method == "caldav" for u in linked)  # type: ignore[union-attr]
    first = StringIO()
    call_command("sync_now", kind="contacts", stdout=first)
    for user in linked:
        section = first.getvalue().split(f"{user.email} · contacts", 1)[1].split(" · ", 1)[0]
        printed = re.search(r"created mailbox: (\d+)", section)
        in_salesforce = _salesforce_contacts_owned_by(demo_sandbox, user.salesforce_user_id)
        assert printed is not None and int(printed.group(1)) == in_salesforce > 0, section
    again = StringIO()
    call_command("sync_now", kind="contacts", stdout=again)
    assert "created" not in again.getvalue()
    events = StringIO()
    call_command("sync_now", kind="events", stdout=events)
    assert "error" not in events.getvalue().lower(), events.getvalue()
    # The seeded series has an occurrence moved in Salesforce (row R2, docs/series.md): the second
    # run writes it over its occurrence in the new series, and the third takes the series'
    # exception dates, which now name that occurrence's start, to Salesforce (where the series
    # already has them); nothing else.
    for wanted, mark in (
        ("create in mailbox", "(moved)'"),
        ("update in salesforce", "(recurrence)"),
    ):
        run = StringIO()
        call_command("sync_now", kind="events", stdout=run)
        assert "error" not in run.getvalue().lower(), run.getvalue()
        lines = re.findall(r"^\s*((?:create|update|delete) in \w+: .*)$", run.getvalue(), re.M)
        assert lines and all(ln.startswith(wanted) and mark in ln for ln in lines), run.getvalue()
    # Then a run with no edits writes nothing (it once sent the seeded meeting's accepted
    # invitee back to Salesforce: "skipped 10, updated salesforce 1").
    quiet = StringIO()
    call_command("sync_now", kind="events", stdout=quiet)
    assert not re.search(r"(created|updated|deleted) (salesforce|mailbox)", quiet.getvalue()), (
        quiet.getvalue()
    )
