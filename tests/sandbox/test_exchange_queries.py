"""FindItem paging, restrictions and sort order, occurrences by index, moves to Deleted Items and
delegate access, through exchangelib."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exchangelib import CalendarItem, Contact, EWSDate, EWSDateTime, EWSTimeZone, ExtendedProperty
from exchangelib.errors import ErrorAccessDenied
from exchangelib.items import MOVE_TO_DELETED_ITEMS, SEND_TO_NONE
from exchangelib.recurrence import DailyPattern, Recurrence

from sandbox.exchange.app import ExchangeEmulator
from tests.sandbox.conftest import DELEGATE, AccountFactory

UTC = EWSTimeZone("UTC")


class EventMarker(ExtendedProperty):
    property_set_id = "C11FF724-AA03-4555-9952-8FA248A11C3E"  # upper case on purpose
    property_name = "SalesforceId"
    property_type = "String"


@pytest.fixture(autouse=True)
def marker() -> Iterator[None]:
    CalendarItem.register("sf_id", EventMarker)
    yield
    CalendarItem.deregister("sf_id")


def test_find_item_pages_in_sort_order(ews: ExchangeEmulator, ews_account: AccountFactory) -> None:
    account = ews_account()
    names = ["Émile", "Ana", "Zoë", "Björn", "Chloé", "Dvořák", "Inés"]
    account.bulk_create(
        account.contacts, [Contact(account=account, display_name=n, surname=n) for n in names]
    )
    before = len(ews.operations)
    query = account.contacts.filter(surname__in=names).order_by("surname")
    query.page_size = 3
    found = [c.surname for c in query]
    assert found == sorted(names, key=str.casefold)
    finds = [op for op, _, _ in ews.operations[before:] if op == "FindItem"]
    assert len(finds) == 3


def test_restrictions_combine_and_negate(ews_account: AccountFactory) -> None:
    account = ews_account()
    account.bulk_create(
        account.contacts,
        [
            Contact(account=account, display_name="A", surname="Lefèvre", company_name="Globex"),
            Contact(account=account, display_name="B", surname="Lefebvre", company_name="Hooli"),
            Contact(account=account, display_name="C", surname="Rossi", company_name="Globex"),
        ],
    )
    contacts = account.contacts
    assert {c.surname for c in contacts.filter(surname__startswith="lef")} == {
        "Lefèvre",
        "Lefebvre",
    }
    assert {c.surname for c in contacts.filter(company_name="globex").exclude(surname="Rossi")} == {
        "Lefèvre"
    }
    assert contacts.filter(surname__contains="ebv").count() == 1


def test_calendar_items_carry_the_marker_and_are_found_by_it_and_by_time(
    ews_account: AccountFactory,
) -> None:
    account = ews_account()
    start = EWSDateTime(2027, 5, 3, 9, 0, tzinfo=UTC)
    account.bulk_create(
        account.calendar,
        [
            CalendarItem(
                account=account,
                subject=f"Visit {i}",
                sf_id=f"00U{i}",
                start=start.replace(day=3 + i),
                end=start.replace(day=3 + i, hour=10),
            )
            for i in range(3)
        ],  # fmt: skip
        send_meeting_invitations=SEND_TO_NONE,
    )
    marked = account.calendar.get(sf_id="00U1")
    assert marked.subject == "Visit 1" and marked.sf_id == "00U1"
    later = account.calendar.filter(start__gte=start.replace(day=4), subject__startswith="Visit")
    assert sorted(e.subject for e in later) == ["Visit 1", "Visit 2"]


def test_an_occurrence_is_read_by_its_index_and_its_change_updates_the_master_in_sync(
    ews_account: AccountFactory,
) -> None:
    account = ews_account()
    start = EWSDateTime(2027, 6, 1, 8, 0, tzinfo=UTC)
    series = Recurrence(pattern=DailyPattern(interval=2), start=EWSDate(2027, 6, 1), number=4)
    (made,) = account.bulk_create(
        account.calendar,
        [
            CalendarItem(
                account=account,
                subject="Rounds",
                start=start,
                end=start.replace(hour=9),
                recurrence=series,
            )
        ],  # fmt: skip
        send_meeting_invitations=SEND_TO_NONE,
    )
    master = account.calendar.get(id=made.id)
    list(account.calendar.sync_items())
    third = master.occurrence(3)
    third.refresh()
    assert third.start == start.replace(day=5) and third.type == "Occurrence"
    third.subject = "Rounds (late)"
    third.save(update_fields=["subject"])
    changes = list(account.calendar.sync_items())
    assert [(kind, item.id, item.type) for kind, item in changes] == [
        ("update", made.id, "RecurringMaster")
    ]


def test_moving_to_deleted_items_shows_as_a_delete_in_the_source_folder(
    ews_account: AccountFactory,
) -> None:
    account = ews_account()
    (made,) = account.bulk_create(
        account.contacts, [Contact(account=account, display_name="Gone", surname="Gone")]
    )
    list(account.contacts.sync_items())
    account.bulk_delete([made], delete_type=MOVE_TO_DELETED_ITEMS)
    assert [kind for kind, _ in account.contacts.sync_items()] == ["delete"]
    assert account.trash.get(id=made.id).surname == "Gone"


def test_delegate_access_to_another_mailbox_is_denied(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    first, second = (m["smtp"] for m in ews.state()["mailboxes"][:2])
    ews.add_account("own@example.com", "Own-Passw0rd", mailbox=first)
    own = ews_account(first, username="own@example.com", password="Own-Passw0rd", access=DELEGATE)
    assert own.contacts.total_count == 3
    other = ews_account(
        second, username="own@example.com", password="Own-Passw0rd", access=DELEGATE
    )
    with pytest.raises(ErrorAccessDenied):
        other.contacts.refresh()
