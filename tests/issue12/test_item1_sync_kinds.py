"""Issue 12 item 1: "Let users sync contacts, events, or both" on a mail connection is applied."""

from __future__ import annotations

import pytest

from connections.models import MailConnection, Status, SyncKinds
from mappings.models import ItemMapping, SyncRun
from syncengine.service import sync_user
from syncengine.tasks import sync_user_task
from tests.engine_django.conftest import MakeUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_stores")]


def connection(kinds: str) -> MailConnection:
    return MailConnection.objects.create(
        method=MailConnection.Method.GOOGLE, enabled=True, sync_kinds=kinds, status=Status.SAVED
    )


def test_item1_contacts_only_stops_events(make_user: MakeUser) -> None:
    user = make_user(mail_connection=connection(SyncKinds.CONTACTS))
    assert sync_user_task(user.pk) == {"contacts": "ok", "events": "skipped"}
    outcome = sync_user(user.pk, "events")
    assert outcome.status == "skipped"
    assert "'Contacts only'" in outcome.message and "Google" in outcome.message
    assert not ItemMapping.objects.filter(kind="events").exists()
    assert ItemMapping.objects.filter(kind="contacts").exists()


def test_item1_events_only_stops_contacts(make_user: MakeUser) -> None:
    user = make_user(mail_connection=connection(SyncKinds.EVENTS))
    assert sync_user_task(user.pk) == {"contacts": "skipped", "events": "ok"}
    assert not ItemMapping.objects.filter(kind="contacts").exists()


def test_item1_both_syncs_both(make_user: MakeUser) -> None:
    user = make_user(mail_connection=connection(SyncKinds.BOTH))
    assert sync_user_task(user.pk) == {"contacts": "ok", "events": "ok"}


def test_item1_a_connection_no_longer_in_use_stops_its_users_saying_why(
    make_user: MakeUser,
) -> None:
    google = connection(SyncKinds.BOTH)
    user = make_user(mail_connection=google)
    MailConnection.objects.filter(pk=google.pk).update(enabled=False)
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "skipped" and "no longer in use" in outcome.message
    assert not SyncRun.objects.exists()
