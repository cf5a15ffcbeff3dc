"""Guests inside the domain get their own copy of an event (same id, their own private
extended properties), may change only their own settings, and decline by deleting it."""

from __future__ import annotations

from typing import Any

import pytest
from google.auth.transport.requests import AuthorizedSession

from tests.sandbox.test_google_schema import BASE, Rig, validate

EVENTS = f"{BASE}/calendar/v3/calendars/primary/events"


@pytest.fixture
def rig() -> Rig:
    return Rig()


def _event(rig: Rig, **extra: Any) -> dict[str, Any]:
    return {"summary": "Kick-off", "start": {"dateTime": "2026-12-03T15:00:00Z"},
            "end": {"dateTime": "2026-12-03T16:00:00Z"},
            "attendees": [{"email": rig.user}, {"email": rig.other}, {"email": "ext@acme.example"}],
            "extendedProperties": {"private": {"sfId": "00UORG"}, "shared": {"topic": "q4"}},
            **extra}  # fmt: skip


def _ok(response: Any, method_id: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(validate(method_id, response.json()))


def _sessions(rig: Rig) -> tuple[AuthorizedSession, AuthorizedSession]:
    return rig.authed(), rig.authed(subject=rig.other)


def test_a_guest_in_the_domain_gets_a_copy_without_the_organizers_private_properties(
    rig: Rig,
) -> None:
    organizer, guest = _sessions(rig)
    _items, token = _sync(guest)
    event = _ok(organizer.post(EVENTS, json=_event(rig)), "calendar.events.insert")
    changes = _ok(guest.get(EVENTS, params={"syncToken": token}), "calendar.events.list")
    copy = next(
        i for i in validate("calendar.events.list", changes)["items"] if i["id"] == event["id"]
    )
    assert copy["iCalUID"] == event["iCalUID"]
    assert copy["organizer"] == {"email": rig.user}
    assert copy["extendedProperties"] == {"shared": {"topic": "q4"}}
    me = next(a for a in copy["attendees"] if a.get("self"))
    assert me["email"] == rig.other and me["responseStatus"] == "needsAction"
    flagged = next(a for a in copy["attendees"] if a.get("organizer"))
    assert flagged["email"] == rig.user


def _sync(session: AuthorizedSession) -> tuple[list[dict[str, Any]], str]:
    page = _ok(session.get(EVENTS, params={"maxResults": 2500}), "calendar.events.list")
    return page["items"], page["nextSyncToken"]


def test_a_guest_may_tag_their_copy_but_not_change_shared_fields(rig: Rig) -> None:
    organizer, guest = _sessions(rig)
    event = _ok(organizer.post(EVENTS, json=_event(rig)), "calendar.events.insert")
    url = f"{EVENTS}/{event['id']}"
    tagged = guest.patch(url, json={"extendedProperties": {"private": {"sfId": "00UGUEST"}}})
    assert tagged.status_code == 200
    denied = guest.patch(url, json={"summary": "Mine now"})
    assert denied.status_code == 403
    assert denied.json()["error"]["errors"][0]["reason"] == "forbiddenForNonOrganizer"
    organizer.patch(url, json={"summary": "Kick-off (room 2)"})
    copy = _ok(guest.get(url), "calendar.events.get")
    assert copy["summary"] == "Kick-off (room 2)"
    assert copy["extendedProperties"]["private"] == {"sfId": "00UGUEST"}
    own = _ok(organizer.get(url), "calendar.events.get")
    assert own["extendedProperties"]["private"] == {"sfId": "00UORG"}


def test_removing_a_guest_or_deleting_the_event_cancels_the_copy(rig: Rig) -> None:
    organizer, guest = _sessions(rig)
    event = _ok(organizer.post(EVENTS, json=_event(rig)), "calendar.events.insert")
    url = f"{EVENTS}/{event['id']}"
    organizer.patch(url, json={"attendees": [{"email": rig.user}]})
    assert _ok(guest.get(url), "calendar.events.get")["status"] == "cancelled"
    second = _ok(organizer.post(EVENTS, json=_event(rig)), "calendar.events.insert")
    organizer.delete(f"{EVENTS}/{second['id']}")
    assert (
        _ok(guest.get(f"{EVENTS}/{second['id']}"), "calendar.events.get")["status"] == "cancelled"
    )


def test_a_guest_deleting_their_copy_declines(rig: Rig) -> None:
    organizer, guest = _sessions(rig)
    event = _ok(organizer.post(EVENTS, json=_event(rig)), "calendar.events.insert")
    assert guest.delete(f"{EVENTS}/{event['id']}").status_code == 204
    own = _ok(organizer.get(f"{EVENTS}/{event['id']}"), "calendar.events.get")
    assert own["status"] == "confirmed"
    answer = next(a for a in own["attendees"] if a["email"] == rig.other)
    assert answer["responseStatus"] == "declined"


def test_a_page_token_can_be_replayed_after_a_failed_read(rig: Rig) -> None:
    organizer, _guest = _sessions(rig)
    first = _ok(organizer.get(EVENTS, params={"maxResults": 3}), "calendar.events.list")
    again = _ok(
        organizer.get(EVENTS, params={"maxResults": 3, "pageToken": first["nextPageToken"]}),
        "calendar.events.list",
    )
    replay = _ok(
        organizer.get(EVENTS, params={"maxResults": 3, "pageToken": first["nextPageToken"]}),
        "calendar.events.list",
    )
    assert [i["id"] for i in again["items"]] == [i["id"] for i in replay["items"]]


def test_series_changes_reach_the_guests_copies_occurrence_by_occurrence(rig: Rig) -> None:
    organizer, guest = _sessions(rig)
    series = _ok(
        organizer.post(
            EVENTS,
            json={
                "summary": "Daily",
                "attendees": [{"email": rig.other}],
                "start": {"dateTime": "2027-01-04T09:00:00", "timeZone": "Europe/Paris"},
                "end": {"dateTime": "2027-01-04T09:15:00", "timeZone": "Europe/Paris"},
                "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
            },  # fmt: skip
        ),
        "calendar.events.insert",
    )
    organizer.delete(f"{EVENTS}/{series['id']}_20270105T080000Z")
    organizer.patch(f"{EVENTS}/{series['id']}_20270106T080000Z", json={"summary": "Daily (late)"})
    window = {
        "singleEvents": "true",
        "timeMin": "2027-01-01T00:00:00Z",
        "timeMax": "2027-01-10T00:00:00Z",
    }
    seen = _ok(guest.get(EVENTS, params=window), "calendar.events.list")["items"]
    mine = [
        (i["id"][-16:], i["summary"]) for i in seen if i.get("recurringEventId") == series["id"]
    ]
    assert mine == [("20270104T080000Z", "Daily"), ("20270106T080000Z", "Daily (late)")]


def test_a_guest_answers_on_their_copy_and_the_organizer_sees_it(rig: Rig) -> None:
    organizer, guest = _sessions(rig)
    event = _ok(organizer.post(EVENTS, json=_event(rig)), "calendar.events.insert")
    url = f"{EVENTS}/{event['id']}"
    copy = _ok(guest.get(url), "calendar.events.get")
    answered = [
        dict(a, responseStatus="accepted") if a.get("self") else a for a in copy["attendees"]
    ]
    assert guest.patch(url, json={"attendees": answered}).status_code == 200
    own = _ok(organizer.get(url), "calendar.events.get")
    assert {a["email"]: a["responseStatus"] for a in own["attendees"]}[rig.other] == "accepted"
    crowd = [*copy["attendees"], {"email": "friend@else.example"}]
    denied = guest.patch(url, json={"attendees": crowd})
    assert denied.status_code == 403
