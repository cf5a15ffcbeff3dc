"""Contacts in the EWS emulator, written and read by exchangelib: folders, bulk create, update
and delete, extended properties, change keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exchangelib import Account, Contact, ExtendedProperty, Folder, FolderCollection, Q
from exchangelib.errors import (
    ErrorDeleteDistinguishedFolder,
    ErrorFolderExists,
    ErrorInvalidIdMalformed,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
    ErrorSyncFolderNotFound,
)
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import NEVER_OVERWRITE

from sandbox.exchange.app import ExchangeEmulator
from tests.sandbox.conftest import AccountFactory


class SalesforceId(ExtendedProperty):
    property_set_id = "c11ff724-aa03-4555-9952-8fa248a11c3e"
    property_name = "SalesforceId"
    property_type = "String"


@pytest.fixture(autouse=True)
def sf_id() -> Iterator[None]:
    Contact.register("sf_id", SalesforceId)
    yield
    Contact.deregister("sf_id")


@pytest.fixture
def sync_folder(ews_account: AccountFactory) -> tuple[Account, Folder]:
    account = ews_account()
    folder = Folder(parent=account.contacts, name="Salesforce_Sync", folder_class="IPF.Contact")
    folder.save()
    return account, folder


def full_contact(account: Account, folder: Folder, sf_id: str, surname: str) -> Contact:
    return Contact(
        account=account,
        folder=folder,
        display_name=f"Zoë {surname}",
        given_name="Zoë",
        surname=surname,
        company_name="Müller & Söhne GmbH",
        job_title="Buyer",
        department="Purchasing",
        email_addresses=[
            EmailAddress(email="zoe@muller.example", label="EmailAddress1"),
            EmailAddress(email="zoe@personal.example", label="EmailAddress2"),
        ],
        phone_numbers=[
            PhoneNumber(label="BusinessPhone", phone_number="+1 415 555 0100"),
            PhoneNumber(label="MobilePhone", phone_number="+33 6 12 34 56 00"),
        ],
        physical_addresses=[
            PhysicalAddress(
                label="Business",
                street="1 Rue de Rivoli",
                city="Paris",
                zipcode="75002",
                country="France",
            )
        ],
        body="Met at the trade fair.",
        sf_id=sf_id,
    )


def test_the_sync_folder_is_created_under_contacts_and_found_again(
    sync_folder: tuple[Account, Folder], ews_account: AccountFactory
) -> None:
    account, folder = sync_folder
    fresh = ews_account()
    found = fresh.contacts / "Salesforce_Sync"
    assert found.id == folder.id
    assert found.folder_class == "IPF.Contact"
    assert found.parent_folder_id.id == account.contacts.id
    with pytest.raises(ErrorFolderExists):
        Folder(parent=account.contacts, name="salesforce_sync", folder_class="IPF.Contact").save()


def test_bulk_create_stores_every_field_and_the_extended_property(
    sync_folder: tuple[Account, Folder],
) -> None:
    account, folder = sync_folder
    results = account.bulk_create(
        folder, [full_contact(account, folder, f"003{i:015d}", f"Núñez{i}") for i in range(3)]
    )
    assert all(r.id and r.changekey for r in results)
    fetched = list(account.fetch(ids=results))
    first = fetched[0]
    assert isinstance(first, Contact)
    assert (first.given_name, first.surname, first.display_name) == ("Zoë", "Núñez0", "Zoë Núñez0")
    assert first.company_name == "Müller & Söhne GmbH" and first.job_title == "Buyer"
    assert {e.email for e in first.email_addresses} == {
        "zoe@muller.example",
        "zoe@personal.example",
    }
    assert {p.label: p.phone_number for p in first.phone_numbers}["MobilePhone"].startswith("+33")
    assert first.physical_addresses[0].city == "Paris"
    assert first.body == "Met at the trade fair."
    assert first.sf_id == "003000000000000000"
    assert first.file_as == "Núñez0, Zoë"
    assert (first.complete_name.first_name, first.complete_name.full_name) == ("Zoë", "Zoë Núñez0")
    assert folder.filter(sf_id="003000000000000002").get().surname == "Núñez2"
    assert folder.all().count() == 3


def test_bulk_update_sets_and_deletes_fields_and_changes_the_change_key(
    sync_folder: tuple[Account, Folder],
) -> None:
    account, folder = sync_folder
    (created,) = account.bulk_create(folder, [full_contact(account, folder, "003A", "Dupré")])
    contact = account.fetch(ids=[created]).__next__()
    contact.job_title = None
    contact.company_name = "Globex"
    contact.sf_id = "003B"
    contact.email_addresses = [EmailAddress(email="new@globex.example", label="EmailAddress1")]
    ((item_id, changekey),) = account.bulk_update(
        [(contact, ["job_title", "company_name", "sf_id", "email_addresses"])]
    )
    assert item_id == created.id and changekey != created.changekey
    again = folder.get(id=item_id)
    assert again.job_title is None and again.company_name == "Globex"
    assert again.sf_id == "003B"
    assert [e.email for e in again.email_addresses] == ["new@globex.example"]


def test_a_stale_change_key_conflicts_when_the_same_field_changed(
    sync_folder: tuple[Account, Folder],
) -> None:
    account, folder = sync_folder
    (created,) = account.bulk_create(folder, [full_contact(account, folder, "003A", "Rossi")])
    mine = folder.get(id=created.id)
    theirs = folder.get(id=created.id)
    theirs.job_title = "CFO"
    theirs.save(update_fields=["job_title"])
    mine.job_title = "CEO"
    with pytest.raises(ErrorIrresolvableConflict):
        account.bulk_update([(mine, ["job_title"])])
    # AutoResolve merges a change to a field nobody else touched...
    mine.department = "Sales"
    ((_, changekey),) = account.bulk_update([(mine, ["department"])])
    assert changekey
    # ...and NeverOverwrite refuses any stale key.
    mine.nickname = "Z"
    with pytest.raises(ErrorIrresolvableConflict):
        account.bulk_update([(mine, ["nickname"])], conflict_resolution=NEVER_OVERWRITE)
    assert folder.get(id=created.id).job_title == "CFO"


def test_bulk_delete_removes_items_and_reports_missing_ones_in_place(
    sync_folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    account, folder = sync_folder
    results = account.bulk_create(
        folder, [full_contact(account, folder, f"003{i}", f"O'Brien{i}") for i in range(2)]
    )
    assert account.bulk_delete(results) == [True, True]
    assert folder.all().count() == 0
    (again,) = account.bulk_delete(results[:1])
    assert isinstance(again, ErrorItemNotFound)


def test_bulk_calls_send_many_items_per_request(
    sync_folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    account, folder = sync_folder
    before = len(ews.operations)
    results = account.bulk_create(
        folder, [full_contact(account, folder, f"003{i}", f"Smith{i}") for i in range(250)]
    )
    creates = [op for op, _, _ in ews.operations[before:] if op == "CreateItem"]
    assert len(results) == 250 and len(creates) == 3  # exchangelib's 100-item chunks


def test_an_id_exchange_cannot_decode_is_malformed_not_missing(
    sync_folder: tuple[Account, Folder],
) -> None:
    account, folder = sync_folder
    (created,) = account.bulk_create(folder, [full_contact(account, folder, "003A", "Åström")])
    account.bulk_delete([created])
    missing, malformed = account.fetch(ids=[created, ("not an id", None)])
    assert isinstance(missing, ErrorItemNotFound)
    assert isinstance(malformed, ErrorInvalidIdMalformed)


def test_a_restricted_find_folder_and_a_folder_delete(
    sync_folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    account, folder = sync_folder
    Folder(parent=account.contacts, name="Other", folder_class="IPF.Contact").save()
    found = list(
        FolderCollection(account=account, folders=[account.contacts]).find_folders(
            q=Q(name="Salesforce_Sync")
        )
    )
    assert [f.id for f in found] == [folder.id]
    account.bulk_create(folder, [full_contact(account, folder, "003A", "Kowalski")])
    stale = Folder(root=account.root, id=folder.id)
    folder.delete()
    assert ("FindFolder", account.primary_smtp_address, 200) in ews.operations
    with pytest.raises(ErrorSyncFolderNotFound):
        list(stale.sync_items())
    with pytest.raises(ErrorDeleteDistinguishedFolder):
        account.contacts.delete()
