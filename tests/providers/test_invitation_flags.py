"""Issue 11 item 1: who organizes a meeting, read the way each mail API says it (Graph
`isOrganizer`, Google `organizer.self`, EWS `MyResponseType`/organizer), as `Item.invitation`:
None for the user's own events, else the organizer, the iCalendar UID and the user's answer."""

from __future__ import annotations

from exchangelib import CalendarItem
from exchangelib.properties import Mailbox

from connections.providers.exchange.convert_meetings import invitation_of as ews_invitation
from connections.providers.google.convert import invitation_of as google_invitation
from connections.providers.microsoft.convert import invitation_of as graph_invitation
from syncengine.stores.base import Invitation


def test_graph_an_event_the_user_organizes_is_no_invitation() -> None:
    assert graph_invitation({"isOrganizer": True, "iCalUId": "U1"}) is None
    assert graph_invitation({}) is None  # Graph leaves it out only for the owner's own items


def test_graph_an_invitation_names_the_organizer_uid_and_answer() -> None:
    obj = {"isOrganizer": False, "iCalUId": "040000008200E0", "responseStatus": {"response": "tentativelyAccepted"},
           "organizer": {"emailAddress": {"address": "Bo@Nordvik.example", "name": "Bo"}}}  # fmt: skip
    assert graph_invitation(obj) == Invitation("bo@nordvik.example", "040000008200E0", "tentative")
    obj["responseStatus"] = {"response": "notResponded"}
    assert graph_invitation(obj) == Invitation("bo@nordvik.example", "040000008200E0", "none")


def test_google_organizer_self_is_the_users_own_event() -> None:
    own = {"organizer": {"email": "ana@example.com", "self": True}, "iCalUID": "x@google.com"}
    assert google_invitation(own) is None
    assert google_invitation({"summary": "no organizer"}) is None


def test_google_a_guest_copy_names_the_organizer_uid_and_the_guests_own_answer() -> None:
    copy = {"organizer": {"email": "ana@example.com"}, "iCalUID": "x@google.com",
            "attendees": [{"email": "ana@example.com", "organizer": True, "responseStatus": "accepted"},
                          {"email": "bo@example.com", "self": True, "responseStatus": "declined"}]}  # fmt: skip
    assert google_invitation(copy) == Invitation("ana@example.com", "x@google.com", "declined")


def test_ews_my_response_type_organizer_is_the_users_own_item() -> None:
    item = CalendarItem(
        my_response_type="Organizer", organizer=Mailbox(email_address="x@y.example")
    )
    assert ews_invitation(item, "ana@nordvik.example") is None
    own = CalendarItem(organizer=Mailbox(email_address="Ana@Nordvik.example"))
    assert ews_invitation(own, "ana@nordvik.example") is None


def test_ews_an_invitation_names_the_organizer_uid_and_answer() -> None:
    item = CalendarItem(
        my_response_type="Accept", uid="AB12", organizer=Mailbox(email_address="Bo@Partner.example")
    )
    assert ews_invitation(item, "ana@nordvik.example") == Invitation(
        "bo@partner.example", "AB12", "accepted"
    )
