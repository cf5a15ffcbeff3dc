"""Issue 12 item 1: a contact the user makes in the mailbox's Salesforce_Sync folder that does
not meet the configuration's extra SOQL filter is created in Salesforce and stays in the
mailbox (decision table row D1c), against the Salesforce emulator."""

from __future__ import annotations

import pytest

from connections.models import SalesforceConnection
from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.state import MemoryRepo
from syncengine.stores.memory import MemoryStore
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

FILTER = "MailingCountry = 'France'"


def test_item1_a_contact_made_in_the_folder_outside_the_filter_is_never_deleted_from_it(
    org: Org,
) -> None:
    mailbox, repo, settings = MemoryStore("mailbox", "contacts"), MemoryRepo(), SyncSettings()
    made = mailbox.put(Contact.normalized(first_name="Léa", last_name="Roux", emails=["lea@roux.example"]))  # fmt: skip

    first = run_sync(org.contacts(contacts_soql_filter=FILTER), mailbox, repo, settings)
    assert (first.status, first.counts.get("created_salesforce")) == ("ok", 1)
    (created,) = [m.salesforce_id for m in repo.load()]

    for _ in range(3):
        again = run_sync(org.contacts(contacts_soql_filter=FILTER), mailbox, repo, settings)
        assert again.status == "ok" and not again.counts.get("deleted_mailbox")
        assert made in mailbox.records()
    assert org.emulator.record(created) is not None  # nor from Salesforce


def test_item1_a_contact_lsync_brought_from_salesforce_leaves_the_folder_with_the_filter(
    org: Org,
) -> None:
    mailbox, repo, settings = MemoryStore("mailbox", "contacts"), MemoryRepo(), SyncSettings()
    french = org.add("Contact", {"LastName": "Dupont", "MailingCountry": "France"})
    run_sync(org.contacts(contacts_soql_filter=FILTER), mailbox, repo, settings)
    assert len(mailbox) == 1
    org.edit(french, {"MailingCountry": "Germany"})
    result = run_sync(org.contacts(contacts_soql_filter=FILTER), mailbox, repo, settings)
    assert result.counts.get("deleted_mailbox") == 1 and len(mailbox) == 0


def test_item1_the_api_version_setting_is_the_version_lsync_calls(org: Org) -> None:
    SalesforceConnection.objects.update(api_version="61.0")
    store = org.contacts()
    store.changes(None)
    assert "/services/data/v61.0/" in store.client._client().base_url
