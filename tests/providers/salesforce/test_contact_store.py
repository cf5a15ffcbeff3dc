"""The Salesforce contact store against the emulator: scope, filters, Accounts, own writes."""

from __future__ import annotations

import pytest

from syncengine.records import Contact
from syncengine.stores.base import Create, Rejected, Update
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db


def ids(page_items: list) -> set[str]:  # type: ignore[type-arg]
    return {it.id for it in page_items}


def test_it_lists_only_the_users_own_contacts_unless_configured_for_all_visible(org: Org) -> None:
    other = org.make_user("bo@example.com")
    mine = org.add("Contact", {"LastName": "Mine"})
    theirs = org.add("Contact", {"LastName": "Theirs"}, as_user=other.salesforce_user_id)
    assert ids(org.contacts(contacts_ownership="mine").changes(None).changed) == {mine}
    assert ids(org.contacts(contacts_ownership="visible").changes(None).changed) == {mine, theirs}


def test_the_extra_soql_filter_is_anded_and_a_contact_leaving_it_is_reported_deleted(
    org: Org,
) -> None:
    store = org.contacts(contacts_soql_filter="MailingCountry = 'France' OR Title = 'CEO'")
    french = org.add("Contact", {"LastName": "Dupont", "MailingCountry": "France"})
    org.add("Contact", {"LastName": "Olsen", "MailingCountry": "Norway"})
    org.add("Contact", {"LastName": "Other", "MailingCountry": "France"},
            as_user=org.make_user("cy@example.com").salesforce_user_id)  # fmt: skip
    page = store.changes(None)
    assert ids(page.changed) == {french}
    org.edit(french, {"MailingCountry": "Germany"})
    page = store.changes(page.cursor)
    # Contacts that were never in scope may be listed as deleted too: the engine ignores
    # deletions of items it has no mapping for.
    assert page.changed == [] and french in page.deleted
    org.edit(french, {"MailingCountry": "France"})
    page = store.changes(page.cursor)
    assert ids(page.changed) == {french} and french not in page.deleted


def test_a_contact_given_to_another_owner_leaves_the_users_scope(org: Org) -> None:
    store = org.contacts()
    contact = org.add("Contact", {"LastName": "Moving"})
    cursor = store.changes(None).cursor
    org.edit(contact, {"OwnerId": org.make_user("di@example.com").salesforce_user_id})
    assert store.changes(cursor).deleted == [contact]


def test_the_company_links_the_account_with_exactly_that_name(org: Org) -> None:
    acme = org.add("Account", {"Name": "Acme AS"})
    org.add("Account", {"Name": "Acme"})
    store = org.contacts()
    (result,) = store.apply([Create("r", Contact.normalized(last_name="Lie", company="Acme AS"))])
    assert result.ok and result.id
    assert org.emulator.record(result.id)["AccountId"] == acme  # type: ignore[index]
    assert store.unresolved == []


def test_a_company_without_an_exact_account_is_created_without_one_and_reported(
    org: Org,
) -> None:
    org.add("Account", {"Name": "Acme AS"})
    store = org.contacts()
    record = Contact.normalized(last_name="Lie", company="Acme")
    (result,) = store.apply([Create("ref-1", record)])
    assert result.ok and result.id
    assert org.emulator.record(result.id)["AccountId"] is None  # type: ignore[index]
    assert store.unresolved == [
        ("ref-1", "Company 'Acme' matches no Salesforce Account by its exact name")
    ]
    # What Salesforce holds has no company, and the version we returned is what we read back.
    (item,) = store.get([result.id]).values()
    assert item.record == store.canonical(record) and item.record.company == ""
    assert item.version == result.version


def test_an_update_with_an_unresolved_company_keeps_the_existing_account(org: Org) -> None:
    acme = org.add("Account", {"Name": "Acme"})
    contact = org.add("Contact", {"LastName": "Lie", "AccountId": acme})
    store = org.contacts()
    (result,) = store.apply([Update(contact, Contact.normalized(last_name="Lie", company="Acm"))])
    assert result.ok
    assert org.emulator.record(contact)["AccountId"] == acme  # type: ignore[index]


def test_our_writes_are_tagged_and_read_back_with_the_version_we_returned(org: Org) -> None:
    store = org.contacts()
    (result,) = store.apply([Create("r", Contact.normalized(last_name="Echo", title="CFO"))])
    assert result.id and org.emulator.record(result.id)["_LastModifiedClient"] == "lsync"  # type: ignore[index]
    (item,) = store.changes(None).changed
    assert item.version == result.version
    # A genuine edit by the user in the same second still moves the version.
    org.edit(result.id, {"Title": "CEO"})
    assert store.get([result.id])[result.id].version != result.version


def test_a_second_email_is_kept_in_the_second_email_field(org: Org) -> None:
    store = org.contacts()
    record = Contact.normalized(last_name="Two", emails=["a@example.com", "b@example.com"])
    (result,) = store.apply([Create("r", record)])
    assert result.id and org.emulator.record(result.id)["Secondary_Email__c"] == "b@example.com"  # type: ignore[index]
    assert store.find([("email", "b@example.com")]) == {("email", "b@example.com"): result.id}


def test_find_matches_by_name_and_company_when_there_is_no_email(org: Org) -> None:
    acme = org.add("Account", {"Name": "Acme"})
    contact = org.add("Contact", {"FirstName": "Ana", "LastName": "Núñez", "AccountId": acme})
    org.add("Contact", {"FirstName": "Ana", "LastName": "Núñez"})
    key = ("name", "ana", "núñez", "acme")
    assert org.contacts().find([key]) == {key: contact}


def test_a_record_salesforce_refuses_fails_alone_with_its_reason(org: Org) -> None:
    store = org.contacts()
    results = store.apply(
        [
            Create("bad", Contact.normalized(last_name="X" * 81)),
            Create("good", Contact.normalized(last_name="Fine")),
        ]
    )
    assert not results[0].ok and isinstance(results[0].error, Rejected)
    assert "LastName" in results[0].error.message
    assert results[1].ok


def test_a_full_listing_follows_query_pages(org: Org) -> None:
    org.emulator.page_size = 2
    made = {org.add("Contact", {"LastName": f"P{i}"}) for i in range(5)}
    assert ids(org.contacts().changes(None).changed) == made


def test_every_contact_field_survives_a_write_and_a_read(org: Org) -> None:
    from tests.providers.salesforce.test_convert import FULL_CONTACT

    org.add("Account", {"Name": "Acme AS"})
    store = org.contacts()
    (result,) = store.apply([Create("r", FULL_CONTACT)])
    (item,) = store.get([result.id or ""]).values()
    assert item.record == FULL_CONTACT == store.canonical(FULL_CONTACT)
    assert item.version == result.version
