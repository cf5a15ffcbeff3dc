"""Issue 11 item 5 on Exchange: the EWS emulator delivers a meeting to every attendee in the
organisation when the organizer sends it (a copy with IsOrganizer false, the organizer, the
same iCalendar UID and the attendee's own MyResponseType), carries sent updates and
cancellations to the copies, sends nothing with SendToNone, and shows an attendee's answer on
their copy and on the organizer's item. Everything through exchangelib, as Outlook would."""

from __future__ import annotations

from exchangelib import Account, CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY, SEND_TO_NONE
from exchangelib.properties import Attendee, Mailbox

from sandbox.exchange import calendar
from sandbox.exchange.app import ExchangeEmulator
from sandbox.exchange.soap import local
from tests.sandbox.conftest import AccountFactory

UTC = EWSTimeZone("UTC")
START = EWSDateTime(2027, 3, 2, 10, 0, tzinfo=UTC)
OUTSIDE = "buyer@globex.example"


def colleagues(ews: ExchangeEmulator) -> tuple[str, str]:
    first, second = (str(box["smtp"]) for box in ews.state()["mailboxes"][:2])
    return first, second


def organize(account: Account, guest: str, send: str = SEND_TO_ALL_AND_SAVE_COPY) -> CalendarItem:
    item = CalendarItem(
        account=account, folder=account.calendar, subject="Pricing", start=START,
        end=START + (EWSDateTime(2027, 3, 2, 11, tzinfo=UTC) - START), location="Room 4.01",
        required_attendees=[Attendee(mailbox=Mailbox(email_address=a)) for a in (guest, OUTSIDE)],
        categories=["Customer"],
    )  # fmt: skip
    item.save(send_meeting_invitations=send)
    return item


def is_organizer(ews: ExchangeEmulator, smtp: str, item_id: str) -> bool:
    """The IsOrganizer flag the emulator serves (exchangelib does not read it)."""
    box = ews.org.mailbox(smtp)
    assert box is not None
    flags = {local(e.tag): e.text for e in calendar.extras(box, box.items[item_id])}
    return flags["IsOrganizer"] == "true"


def copies(account: Account) -> list[CalendarItem]:
    return [i for i in account.calendar.all() if i.subject.startswith("Pricing")]


def test_a_sent_meeting_lands_in_the_colleagues_calendar_as_their_copy(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ana, bo = colleagues(ews)
    organize(ews_account(ana), bo)
    (own,) = copies(ews_account(ana))
    assert own.my_response_type == "Organizer" and is_organizer(ews, ana, str(own.id))
    (copy,) = copies(ews_account(bo))
    assert copy.my_response_type == "NoResponseReceived"
    assert not is_organizer(ews, bo, str(copy.id))
    assert copy.organizer.email_address == ana and copy.uid == own.uid and own.uid
    assert copy.location == "Room 4.01" and not copy.categories  # the categories are Ana's own
    assert {a.mailbox.email_address for a in copy.required_attendees} == {bo, OUTSIDE}


def test_send_to_none_puts_nothing_in_anyone_elses_calendar(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ana, bo = colleagues(ews)
    organize(ews_account(ana), bo, send=SEND_TO_NONE)
    assert copies(ews_account(bo)) == []


def test_a_sent_update_reaches_the_copy_and_an_unsent_one_does_not(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ana, bo = colleagues(ews)
    made = organize(ews_account(ana), bo)
    made.subject = "Pricing v2"
    made.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    (copy,) = copies(ews_account(bo))
    assert copy.subject == "Pricing v2" and copy.my_response_type == "NoResponseReceived"
    made.subject = "Pricing v3"
    made.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE)
    (copy,) = copies(ews_account(bo))
    assert copy.subject == "Pricing v2"


def test_an_answer_shows_on_the_copy_and_on_the_organizers_attendee(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ana, bo = colleagues(ews)
    organize(ews_account(ana), bo)
    (copy,) = copies(ews_account(bo))
    ews.answer(bo, str(copy.id), "Accept")
    (copy,) = copies(ews_account(bo))
    assert copy.my_response_type == "Accept"
    (own,) = copies(ews_account(ana))
    answers = {a.mailbox.email_address: a.response_type for a in own.required_attendees}
    assert answers[bo] == "Accept" and answers[OUTSIDE] in (None, "Unknown")


def test_a_removed_attendee_and_a_cancelled_meeting_take_the_copy_away(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ana, bo = colleagues(ews)
    made = organize(ews_account(ana), bo)
    made.required_attendees = [Attendee(mailbox=Mailbox(email_address=OUTSIDE))]
    made.save(
        update_fields=["required_attendees"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY
    )
    assert copies(ews_account(bo)) == []
    again = organize(ews_account(ana), bo)
    assert len(copies(ews_account(bo))) == 1
    again.delete(send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY)
    assert copies(ews_account(bo)) == []


def test_the_copy_is_reported_by_sync_folder_items_when_it_comes_and_goes(
    ews: ExchangeEmulator, ews_account: AccountFactory
) -> None:
    ana, bo = colleagues(ews)
    calendar = ews_account(bo).calendar
    state = None
    for _ in calendar.sync_items(sync_state=state):
        pass
    state = calendar.item_sync_state
    made = organize(ews_account(ana), bo)
    created = list(calendar.sync_items(sync_state=state, only_fields=["subject"]))
    assert [c[0] for c in created] == ["create"]
    state = calendar.item_sync_state
    made.delete(send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY)
    gone = list(calendar.sync_items(sync_state=state, only_fields=["subject"]))
    assert [g[0] for g in gone] == ["delete"]
