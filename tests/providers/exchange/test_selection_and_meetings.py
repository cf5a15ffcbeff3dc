"""Issue 11 on Exchange. Item 3: with "only events users select", a calendar item is selected when
it carries the configured Outlook category (compared without regard to case, as Outlook does;
the user sets it through exchangelib here, as Outlook would over EWS). Item 1: an invitation is
told from the user's own meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exchangelib import CalendarItem, EWSDateTime

from connections.providers.exchange.convert_meetings import has_category
from connections.providers.exchange.stores import ExchangeEventStore
from syncengine.records import Event
from syncengine.stores.base import Create
from tests.providers.exchange.conftest import USER, Exchange

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
START = datetime(2026, 6, 4, 9, tzinfo=UTC)


def test_the_category_is_compared_without_regard_to_case() -> None:
    assert has_category(CalendarItem(categories=["Red", "SALESFORCE"]), "Salesforce")
    assert not has_category(CalendarItem(categories=None), "Salesforce")
    assert has_category(CalendarItem(), None)


def test_only_events_with_the_configured_category_are_selected(exchange: Exchange) -> None:
    account = exchange.as_user()
    ids = {}
    for subject, categories in (("Deal review", ["Blue", "CRM"]), ("Dentist", ["Blue"])):
        item = CalendarItem(
            account=account, folder=account.calendar, subject=subject,
            start=EWSDateTime.from_datetime(START), end=EWSDateTime.from_datetime(START + timedelta(hours=1)),
            categories=categories,
        )  # fmt: skip
        item.save(send_meeting_invitations="SendToNone")
        ids[subject] = str(item.id)
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW, category="crm")
    page = store.changes(None)
    assert {it.id: it.selected for it in page.changed} == {
        ids["Deal review"]: True,
        ids["Dentist"]: False,
    }
    before = {it.id: it.record for it in page.changed}

    (marked,) = account.fetch(ids=[(ids["Deal review"], None)])
    marked.categories = ["Blue"]
    marked.save(update_fields=["categories"], send_meeting_invitations="SendToNone")
    (item,) = store.changes(page.cursor).changed
    assert (item.id, item.selected, item.record) == (
        ids["Deal review"],
        False,
        before[ids["Deal review"]],
    )


def test_an_invitation_is_read_with_its_organizer_uid_and_the_users_answer(
    exchange: Exchange,
) -> None:
    """Issue 11 item 1: MyResponseType and the organizer tell an invitation from the user's own
    meeting."""
    end = START + timedelta(hours=1)
    own = exchange.emulator.add_event(
        USER, {"subject": "Mine", "start": START, "end": end, "attendees": ["bo@partner.example"]}
    )
    invited = exchange.emulator.add_event(
        USER, {"subject": "Theirs", "start": START, "end": end, "attendees": [USER],
               "organizer": "Bo@Partner.example", "response": "Tentative"},
    )  # fmt: skip
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW)
    items = {it.id: it for it in store.changes(None).changed}
    assert items[own].invitation is None
    invitation = items[invited].invitation
    assert invitation is not None
    assert (invitation.organizer, invitation.response) == ("bo@partner.example", "tentative")
    assert invitation.uid


def test_the_attendees_copy_is_an_invitation_with_the_organizers_uid(exchange: Exchange) -> None:
    """Issue 11 item 5: a meeting lsync writes with invitations on reaches the colleague's
    calendar; their store reads it as an invitation with the organizer's UID, and their answer
    shows on it."""
    colleague = "bo.berg@nordvik.example"
    exchange.emulator.add_mailbox(colleague, "Bo Berg")
    meeting = Event.normalized(
        subject="Pricing", start=START, end=START + timedelta(hours=1), attendees=[colleague]
    )
    organizer = ExchangeEventStore(exchange.client(), USER, *WINDOW, invitations=True)
    (made,) = organizer.apply([Create("m", meeting)])
    (own,) = organizer.changes(None).changed
    assert own.id == made.id and own.invitation is None

    guest = ExchangeEventStore(exchange.client(), colleague, *WINDOW)
    page = guest.changes(None)
    (copy,) = page.changed
    assert copy.invitation is not None
    assert (copy.invitation.organizer, copy.invitation.response) == (USER, "none")
    (stored,) = exchange.as_user().fetch(ids=[(made.id, None)])
    assert copy.invitation.uid == stored.uid != ""

    exchange.emulator.answer(colleague, copy.id, "Decline")
    (answered,) = guest.changes(page.cursor).changed
    assert answered.invitation is not None and answered.invitation.response == "declined"
    (own,) = organizer.changes(None).changed
    assert [(a.email, a.response) for a in own.record.attendees] == [(colleague, "declined")]  # type: ignore[union-attr]
