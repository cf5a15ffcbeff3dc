"""Issue 11 item 1 against the Google emulator: a guest's copy of a meeting is read as an
invitation (organizer, the same iCalendar UID as the organizer's event, the guest's answer),
and the organizer's own event is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncengine.records import Event
from syncengine.stores.base import Create
from tests.providers.google.conftest import OTHER, USER, GoogleRig

START = datetime(2030, 3, 4, 9, tzinfo=UTC)


def test_the_guests_copy_is_an_invitation_with_the_organizers_uid(google: GoogleRig) -> None:
    meeting = Event.normalized(
        subject="Pricing", start=START, end=START + timedelta(hours=1), attendees=[OTHER]
    )
    (made,) = google.events(USER).apply([Create("m", meeting)])
    (own,) = google.events(USER).changes(None).changed
    assert own.id == made.id and own.invitation is None

    guest_store = google.events(OTHER)
    (copy,) = guest_store.changes(None).changed
    assert copy.invitation is not None
    assert (copy.invitation.organizer, copy.invitation.response) == (USER, "none")
    data = google.client(USER).calendar("GET", f"calendars/primary/events/{made.id}")
    assert copy.invitation.uid == data["iCalUID"] != ""

    # The guest answers in Google Calendar: only their copy's answer changes.
    google.client(OTHER).calendar(
        "PATCH", f"calendars/primary/events/{copy.id}", params={"sendUpdates": "none"},
        body={"attendees": [{"email": OTHER, "responseStatus": "accepted"}]},
    )  # fmt: skip
    (answered,) = guest_store.get([copy.id]).values()
    assert answered.invitation is not None and answered.invitation.response == "accepted"
