"""A hybrid company with a CalDAV server: the users of its domain are linked to the CalDAV
connection (the probe reads their principal on Radicale), the others stay on Microsoft 365, and
one dispatcher run syncs each against its own back end."""

from __future__ import annotations

from typing import Any

import pytest

from connections.models import MailConnection
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine import registry
from syncengine.enrollment import resolve_enrollment
from syncengine.models import LinkStatus, SyncUser
from syncengine.records import Contact
from syncengine.stores.base import Create
from syncengine.tasks import dispatch_due
from tests.configurations.conftest import TENANT, Org, assign_user, configuration
from tests.providers.caldav.conftest import USER, Dav
from tests.providers.caldav.conftest import caldav_product as caldav_product  # noqa: F401

pytestmark = pytest.mark.django_db


def test_users_of_the_caldav_domain_sync_with_the_caldav_server(
    org: Org,
    microsoft365: MicrosoftEmulator,
    caldav_product: Dav,
    settings: Any,  # noqa: F811
) -> None:
    settings.LSYNC_STORE_BACKEND = "providers"
    microsoft365.add_mailbox(TENANT, "ana@example.com", "Ana User")
    ana_id, dav_id = org.user("ana@example.com"), org.user(USER)
    nobody_id = org.user("nobody@nordvik.example")  # in the domain, no account on the server
    config = configuration("Hybrid", events_direction="off")
    for user_id in (ana_id, dav_id, nobody_id):
        assign_user(config, user_id)
    assert resolve_enrollment().problem == ""
    rows = {u.salesforce_user_id: u for u in SyncUser.objects.select_related("mail_connection")}
    ana, dav = rows[ana_id], rows[dav_id]
    assert (ana.link_status, dav.link_status) == (LinkStatus.LINKED, LinkStatus.LINKED)
    assert dav.mail_connection == MailConnection.objects.get(method="caldav")
    assert ana.mail_connection == MailConnection.objects.get(method="microsoft365")
    assert rows[nobody_id].link_status != LinkStatus.LINKED

    person = Contact.normalized(first_name="Kari", last_name="Lie", emails=["kari@client.example"])
    (result,) = registry.salesforce().build_store(dav, "contacts").apply([Create("k", person)])
    assert result.ok
    assert dispatch_due() == 2
    listed = registry.provider("caldav").build_store(dav, "contacts").changes(None).changed
    assert [i.record.first_name for i in listed] == ["Kari"]
    dav.refresh_from_db()
    assert dav.contacts_status == "in_sync", dav.contacts_message
