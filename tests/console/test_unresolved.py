from __future__ import annotations

import html

import pytest
from django.test import Client

from mappings.models import ItemMapping, UnresolvedItem
from syncengine import operations, unresolved
from syncengine.models import SyncUser
from syncengine.unresolved import Candidate
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db

CONTACT = "003000000000001AAA"
EVENT = "00U000000000001AAA"


class FakeDirectory:
    """Salesforce as far as resolving goes: a few records, and what was written."""

    def __init__(self) -> None:
        self.records = [
            Candidate("001000000000001AAA", "Account", "Initech Ltd", ""),
            Candidate("003000000000009AAA", "Contact", "Peter Gibbons", "peter@initech.example"),
            Candidate("00Q000000000001AAA", "Lead", "Bill Lumbergh", "bill@initech.example"),
        ]
        self.writes: list[tuple[str, ...]] = []

    def search(self, sobject: str, text: str) -> list[Candidate]:
        t = text.lower()
        return [
            r for r in self.records
            if r.sobject == sobject and (t in r.name.lower() or t in r.detail)
        ]  # fmt: skip

    def create_account(self, name: str) -> str:
        self.writes.append(("create_account", name))
        return "001000000000002AAA"

    def set_account(self, contact_id: str, account_id: str) -> None:
        self.writes.append(("set_account", contact_id, account_id))

    def add_invitee(self, event_id: str, relation_id: str) -> None:
        self.writes.append(("add_invitee", event_id, relation_id))


@pytest.fixture
def directory(monkeypatch: pytest.MonkeyPatch) -> FakeDirectory:
    fake = FakeDirectory()
    monkeypatch.setattr(unresolved, "directory_for", lambda user: fake)
    return fake


@pytest.fixture
def user(make_user: MakeUser) -> SyncUser:
    user = make_user("ana@example.com")
    ItemMapping.objects.create(
        sync_user=user, kind="contacts", salesforce_id=CONTACT, mailbox_id="AAMk-1"
    )
    unresolved.record_unresolved(
        user,
        "contacts",
        [("mailbox:AAMk-1", "Company 'Initech' matches no Salesforce Account by its exact name")],
    )
    unresolved.record_unresolved(
        user,
        "events",
        [
            (EVENT, "Attendee peter@initech.example is no Salesforce contact, lead or user"),
            ("", "Invitees could not be saved: storage full"),
        ],
    )
    return user


def page(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def test_the_stores_messages_become_one_row_per_problem(user: SyncUser) -> None:
    rows = sorted(UnresolvedItem.objects.values_list("kind", "salesforce_id", "reason", "value"))
    assert rows == [
        ("contacts", CONTACT, "company_no_account", "Initech"),
        ("events", EVENT, "attendee_no_match", "peter@initech.example"),
    ]
    again = [(CONTACT, "Company 'Initech' matches no Salesforce Account by its exact name")]
    assert unresolved.record_unresolved(user, "contacts", again) == 2
    assert UnresolvedItem.objects.count() == 2


def test_an_ignored_item_stays_ignored_and_a_resolved_one_reopens(user: SyncUser) -> None:
    company = UnresolvedItem.objects.get(kind="contacts")
    attendee = UnresolvedItem.objects.get(kind="events")
    unresolved.ignore(company)
    unresolved.link_record(
        attendee, FakeDirectory(), Candidate("003000000000009AAA", "Contact", "Peter", "")
    )
    unresolved.record_unresolved(
        user, "contacts", [(CONTACT, "Company 'Initech' matches no Salesforce Account")]
    )
    unresolved.record_unresolved(
        user, "events", [(EVENT, "Attendee peter@initech.example is no Salesforce contact")]
    )
    company.refresh_from_db()
    attendee.refresh_from_db()
    assert company.ignored and not company.is_open
    assert attendee.is_open and attendee.resolution == ""


def test_the_page_lists_open_items_and_searches_the_right_objects(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    url = f"/status/users/{user.pk}/unresolved/"
    body = page(manager.get(url))
    assert "Company matches no Account" in body and "Initech" in body
    assert "peter@initech.example" in body
    assert "Unresolved items: 2" in page(manager.get(f"/status/users/{user.pk}/"))

    company = UnresolvedItem.objects.get(kind="contacts")
    found = page(manager.get(url, {"item": company.pk, "sobject": "Account", "q": "initech"}))
    assert "Pick Account Initech Ltd" in found
    # A contact's company is only ever an Account.
    wrong = page(manager.get(url, {"item": company.pk, "sobject": "Contact", "q": "peter"}))
    assert "Pick Contact" not in wrong

    attendee = UnresolvedItem.objects.get(kind="events")
    found = page(manager.get(url, {"item": attendee.pk, "sobject": "Lead", "q": "bill@"}))
    assert "Pick Lead Bill Lumbergh" in found


def test_picking_an_account_relates_the_contact(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    item = UnresolvedItem.objects.get(kind="contacts")
    response = manager.post(
        f"/status/unresolved/{item.pk}/link/",
        {"record_id": "001000000000001AAA", "sobject": "Account", "name": "Initech Ltd"},
        follow=True,
    )
    assert "Resolved: related to Account Initech Ltd" in page(response)
    assert directory.writes == [("set_account", CONTACT, "001000000000001AAA")]
    item.refresh_from_db()
    assert not item.is_open and "Initech Ltd" in item.resolution


def test_picking_a_contact_for_an_attendee_adds_the_invitee(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    item = UnresolvedItem.objects.get(kind="events")
    manager.post(
        f"/status/unresolved/{item.pk}/link/",
        {"record_id": "003000000000009AAA", "sobject": "Contact", "name": "Peter Gibbons"},
    )
    assert directory.writes == [("add_invitee", EVENT, "003000000000009AAA")]
    item.refresh_from_db()
    assert not item.is_open


def test_a_wrong_pick_is_refused_and_changes_nothing(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    item = UnresolvedItem.objects.get(kind="contacts")
    response = manager.post(
        f"/status/unresolved/{item.pk}/link/",
        {"record_id": "003000000000009AAA", "sobject": "Contact", "name": "Peter"},
        follow=True,
    )
    assert "resolved with an Account" in page(response)
    bad_id = manager.post(
        f"/status/unresolved/{item.pk}/link/",
        {"record_id": "x'; DROP", "sobject": "Account"},
        follow=True,
    )
    assert "Pick a record from the search results." in page(bad_id)
    assert directory.writes == []
    item.refresh_from_db()
    assert item.is_open


def test_creating_the_account_relates_the_contact_to_it(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    item = UnresolvedItem.objects.get(kind="contacts")
    response = manager.post(f"/status/unresolved/{item.pk}/create-account/", follow=True)
    assert "Account “Initech” created" in page(response)
    assert directory.writes == [
        ("create_account", "Initech"),
        ("set_account", CONTACT, "001000000000002AAA"),
    ]
    attendee = UnresolvedItem.objects.get(kind="events")
    refused = manager.post(f"/status/unresolved/{attendee.pk}/create-account/", follow=True)
    assert "Only a contact's company" in page(refused)
    assert len(directory.writes) == 2


def test_ignore_closes_the_item_without_calling_salesforce(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    item = UnresolvedItem.objects.get(kind="events")
    manager.post(f"/status/unresolved/{item.pk}/ignore/")
    item.refresh_from_db()
    assert item.ignored and directory.writes == []
    # A closed item cannot be acted on again.
    assert manager.post(f"/status/unresolved/{item.pk}/ignore/").status_code == 404


def test_salesforce_not_connected_is_a_message_not_a_crash(manager: Client, user: SyncUser) -> None:
    item = UnresolvedItem.objects.get(kind="contacts")
    response = manager.post(f"/status/unresolved/{item.pk}/create-account/", follow=True)
    assert response.status_code == 200
    assert "Salesforce refused: Salesforce is not connected" in page(response)
    item.refresh_from_db()
    assert item.is_open


def test_reset_keeps_open_and_ignored_items(user: SyncUser) -> None:
    unresolved.ignore(UnresolvedItem.objects.get(kind="events"))
    operations.reset_sync([user.pk])
    assert sorted(UnresolvedItem.objects.values_list("kind", "ignored")) == [
        ("contacts", False),
        ("events", True),
    ]


def test_an_empty_search_says_which_field_is_missing(
    manager: Client, user: SyncUser, directory: FakeDirectory
) -> None:
    """Issue 12 item 8: every form error names its field."""
    company = UnresolvedItem.objects.get(kind="contacts")
    url = f"/status/users/{user.pk}/unresolved/"
    body = page(manager.get(url, {"item": company.pk, "sobject": "Account", "q": ""}))
    assert "Nothing was searched: Search: this field is required." in body
    body = page(manager.get(url, {"item": company.pk, "sobject": "Planet", "q": "x"}))
    assert "Nothing was searched: Record type: select a valid choice." in body
