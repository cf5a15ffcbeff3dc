"""Pull notifications in the EWS emulator (Subscribe, GetEvents, Unsubscribe) through exchangelib:
a subscription id and watermark, events of the subscribed folders only, MoreEvents, expiry after
the Timeout without a GetEvents, and an invalid watermark refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from exchangelib import (
    Account,
    CalendarItem,
    Contact,
    EWSDateTime,
    EWSTimeZone,
    Folder,
    FolderCollection,
)
from exchangelib.errors import (
    ErrorExpiredSubscription,
    ErrorInvalidWatermark,
    ErrorSubscriptionAccessDenied,
    ErrorSubscriptionNotFound,
)
from exchangelib.properties import Notification
from exchangelib.services import GetEvents

from sandbox.exchange import notifications
from sandbox.exchange.app import ExchangeEmulator
from tests.sandbox.conftest import AccountFactory

TYPES = ("CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "CopiedEvent")


@pytest.fixture
def synced(ews_account: AccountFactory) -> tuple[Account, Folder]:
    account = ews_account()
    made = Folder(parent=account.contacts, name="Salesforce_Sync", folder_class="IPF.Contact")
    made.save()
    return account, made


def subscribe(account: Account, folder: Folder, timeout: int = 10) -> tuple[str, str]:
    collection = FolderCollection(account=account, folders=[folder, account.calendar])
    made = collection.subscribe_to_pull(event_types=TYPES, timeout=timeout)
    assert made is not None
    return made


def events(account: Account, sub_id: str, watermark: str) -> tuple[list[Notification], str]:
    """Every notification until MoreEvents is false, each asked with the last watermark."""
    service = GetEvents(account=account)
    out = []
    while True:
        note = service.get(subscription_id=sub_id, watermark=watermark)
        out.append(note)
        watermark = note.events[-1].watermark
        if not note.more_events:
            return out, watermark


def names(notes: list[Notification]) -> list[str]:
    return [type(e).__name__ for n in notes for e in n.events]


def test_a_subscription_reports_creates_edits_and_deletes_of_its_folders_only(
    synced: tuple[Account, Folder],
) -> None:
    account, folder = synced
    sub_id, watermark = subscribe(account, folder)
    assert sub_id and watermark
    quiet, watermark = events(account, sub_id, watermark)
    assert names(quiet) == ["StatusEvent"] and quiet[0].subscription_id == sub_id

    contact = Contact(account=account, folder=folder, display_name="Berg", surname="Berg")
    contact.save()
    Contact(account=account, folder=account.contacts, display_name="E", surname="Elsewhere").save()
    notes, watermark = events(account, sub_id, watermark)
    assert names(notes) == ["CreatedEvent"]
    assert notes[0].events[0].item_id.id == contact.id
    assert notes[0].events[0].parent_folder_id.id == folder.id

    contact.given_name = "Bo"
    contact.save()
    start = EWSDateTime(2026, 12, 8, 9, tzinfo=EWSTimeZone("UTC"))
    meeting = CalendarItem(
        account=account, folder=account.calendar, subject="Review", start=start,
        end=start + timedelta(hours=1),
    )  # fmt: skip
    meeting.save()
    notes, watermark = events(account, sub_id, watermark)
    assert names(notes) == ["ModifiedEvent", "CreatedEvent"]

    contact.delete()  # hard delete
    meeting.move_to_trash()
    notes, watermark = events(account, sub_id, watermark)
    assert names(notes) == ["DeletedEvent", "MovedEvent"]
    moved = notes[0].events[1]
    assert moved.old_parent_folder_id.id == account.calendar.id
    assert moved.parent_folder_id.id == account.trash.id


def test_more_events_than_one_answer_holds_are_paged_with_more_events(
    synced: tuple[Account, Folder],
) -> None:
    account, folder = synced
    sub_id, watermark = subscribe(account, folder)
    count = notifications.MAX_EVENTS + 7
    account.bulk_create(
        folder,
        [Contact(account=account, display_name=f"P{n}", surname=f"P{n}") for n in range(count)],
    )
    notes, _ = events(account, sub_id, watermark)
    assert [n.more_events for n in notes] == [True, False]
    assert names(notes) == ["CreatedEvent"] * count


def test_a_subscription_expires_after_its_timeout_without_get_events(
    ews: ExchangeEmulator, synced: tuple[Account, Folder]
) -> None:
    account, folder = synced
    sub_id, watermark = subscribe(account, folder, timeout=5)
    ews.clock.advance(4 * 60)
    _, watermark = events(account, sub_id, watermark)  # a GetEvents restarts the timeout
    ews.clock.advance(4 * 60)
    _, watermark = events(account, sub_id, watermark)
    ews.clock.advance(5 * 60 + 1)
    with pytest.raises(ErrorExpiredSubscription):
        events(account, sub_id, watermark)
    with pytest.raises(ErrorSubscriptionNotFound):
        events(account, sub_id, watermark)


def test_an_unknown_dropped_or_unsubscribed_subscription_is_not_found(
    ews: ExchangeEmulator, synced: tuple[Account, Folder]
) -> None:
    account, folder = synced
    with pytest.raises(ErrorSubscriptionNotFound):
        events(account, "EQBub3Qtb3Vycw==", "AQAAAA==")
    sub_id, watermark = subscribe(account, folder)
    ews.drop_subscriptions()
    with pytest.raises(ErrorSubscriptionNotFound):
        events(account, sub_id, watermark)
    sub_id, watermark = subscribe(account, folder)
    assert folder.unsubscribe(sub_id) is True
    with pytest.raises(ErrorSubscriptionNotFound):
        events(account, sub_id, watermark)


def test_an_altered_foreign_or_expired_watermark_is_invalid(
    ews: ExchangeEmulator, synced: tuple[Account, Folder], ews_account: AccountFactory
) -> None:
    account, folder = synced
    sub_id, watermark = subscribe(account, folder)
    with pytest.raises(ErrorInvalidWatermark):
        events(account, sub_id, watermark[:-4] + "AAA=")
    other = ews_account(ews.state()["mailboxes"][1]["smtp"])
    _, foreign = other.calendar.subscribe_to_pull(event_types=TYPES, timeout=10)
    with pytest.raises(ErrorInvalidWatermark):
        events(account, sub_id, foreign)
    with pytest.raises(ErrorSubscriptionAccessDenied):
        events(other, sub_id, watermark)
    ews.expire_cursors()
    with pytest.raises(ErrorInvalidWatermark):
        events(account, sub_id, watermark)


def test_a_new_subscription_resumes_from_an_earlier_watermark(
    synced: tuple[Account, Folder],
) -> None:
    account, folder = synced
    first, watermark = subscribe(account, folder)
    Contact(account=account, folder=folder, display_name="M", surname="Missed").save()
    folder.unsubscribe(first)
    collection = FolderCollection(account=account, folders=[folder])
    made = collection.subscribe_to_pull(event_types=TYPES, watermark=watermark, timeout=10)
    assert made is not None
    notes, _ = events(account, made[0], made[1])
    assert names(notes) == ["CreatedEvent"]
