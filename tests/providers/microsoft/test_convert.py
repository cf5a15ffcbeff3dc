"""Records -> Graph JSON -> records, field by field, with no HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connections.providers.microsoft.convert import (
    ATTENDEES_HEADER,
    CONTACT_UNHELD,
    canonical_contact,
    canonical_event,
    contact_from_graph,
    contact_to_graph,
    event_from_graph,
    event_to_graph,
    split_body,
)
from syncengine.records import Attendee, Contact, Event

FULL_CONTACT = Contact.normalized(
    salutation="Dr.",
    first_name="Ana",
    last_name="Núñez",
    emails=["ana@acme.example", "ana.n@home.example", "a@third.example"],
    business_phone="+47 22 00 00 01",
    mobile_phone="+47 900 00 001",
    home_phone="+47 22 00 00 02",
    title="Head of purchasing",
    department="Purchasing",
    company="Acme AS",
    mailing_address={
        "street": "Storgata 1\nOppgang B",
        "city": "Oslo",
        "state": "Oslo",
        "postal_code": "0155",
        "country": "Norway",
    },  # fmt: skip
    other_address={"street": "Rue de Rivoli 2", "city": "Paris", "country": "France"},
    birthdate=date(1980, 5, 17),
    assistant_name="Bjørn",
    description="Met at the fair.\nPrefers e-mail.",
)


def as_read(obj: dict[str, Any]) -> dict[str, Any]:
    """What Graph answers for a written event (UTC times as asked by our Prefer header)."""
    out = dict(obj)
    for key in ("start", "end"):
        if not obj.get("isAllDay"):
            from connections.providers.microsoft.convert import _as_utc

            out[key] = _as_utc(obj[key], False)
    out["originalStartTimeZone"] = obj["start"]["timeZone"]
    out["isOrganizer"] = True
    return out


def test_every_held_contact_field_survives_a_round_trip() -> None:
    assert contact_from_graph(contact_to_graph(FULL_CONTACT)) == FULL_CONTACT


@pytest.mark.parametrize(
    "field", [f for f in FULL_CONTACT.hashed_fields() if f not in CONTACT_UNHELD]
)
def test_each_contact_field_round_trips_on_its_own(field: str) -> None:
    record = Contact.normalized(**{field: getattr(FULL_CONTACT, field)})
    assert contact_from_graph(contact_to_graph(record)) == record


def test_fields_graph_cannot_hold_are_left_out_of_the_canonical_contact() -> None:
    record = Contact.normalized(last_name="Berg", fax="1", other_phone="2", assistant_phone="3")
    assert canonical_contact(record) == Contact.normalized(last_name="Berg")


def test_only_three_emails_are_kept() -> None:
    record = Contact.normalized(emails=[f"a{i}@x.example" for i in range(5)])
    assert canonical_contact(record).emails == ("a0@x.example", "a1@x.example", "a2@x.example")


def test_a_partial_contact_write_names_only_the_properties_of_those_fields() -> None:
    body = contact_to_graph(FULL_CONTACT, {"mobile_phone", "mailing_address"})
    assert body == {
        "mobilePhone": "+47 900 00 001",
        "businessAddress": {
            "street": "Storgata 1\nOppgang B",
            "city": "Oslo",
            "state": "Oslo",
            "postalCode": "0155",
            "countryOrRegion": "Norway",
        },  # fmt: skip
    }


def test_cleared_contact_fields_are_written_as_empty_so_graph_clears_them() -> None:
    body = contact_to_graph(Contact.normalized(last_name="Berg"), {"title", "home_phone"})
    assert body == {"jobTitle": None, "homePhones": []}


START = datetime(2026, 3, 27, 8, 30, tzinfo=UTC)
FULL_EVENT = Event.normalized(
    subject="Quarterly review",
    start=START,
    end=START + timedelta(hours=1, minutes=30),
    time_zone="Europe/Paris",
    location="Salle Lumière",
    description="Pricing\nRenewal",
    show_as="tentative",
    private=True,
    recurrence="FREQ=WEEKLY;BYDAY=FR;COUNT=10",
    attendees=[Attendee.normalized("b@x.example", "Bo"), Attendee.normalized("c@y.example")],
)


@pytest.mark.parametrize("invitations", [True, False])
def test_every_event_field_survives_a_round_trip(invitations: bool) -> None:
    obj = as_read(event_to_graph(FULL_EVENT, invitations=invitations))
    assert event_from_graph(obj) == FULL_EVENT


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Lunch"},
        {"description": "Only text"},
        {"location": "Room 2"},
        {"show_as": "free"},
        {"show_as": "oof"},
        {"show_as": "working_elsewhere"},
        {"private": True},
        {"time_zone": "America/Los_Angeles"},
        {"time_zone": "Asia/Tokyo"},
        {"time_zone": "Europe/Oslo"},
        {"attendees": [Attendee.normalized("z@z.example", "Zoé")]},
        {"recurrence": "FREQ=DAILY;INTERVAL=2;UNTIL=20260430T235959Z"},
        {"recurrence": "FREQ=MONTHLY;BYDAY=-1FR"},
        {"recurrence": "FREQ=MONTHLY;BYMONTHDAY=27;COUNT=3"},
        {"recurrence": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=27"},
        {"recurrence": "FREQ=YEARLY;BYDAY=4FR;BYMONTH=3"},
        {"recurrence": "FREQ=WEEKLY;BYDAY=MO,FR;INTERVAL=2;WKST=SU"},
    ],
)
@pytest.mark.parametrize("invitations", [True, False])
def test_each_event_field_round_trips(changes: dict[str, Any], invitations: bool) -> None:
    fields = {"subject": "Review", "start": START, "end": START + timedelta(hours=1), **changes}
    record = Event.normalized(**fields)
    obj = as_read(event_to_graph(record, invitations=invitations))
    assert event_from_graph(obj) == record
    assert canonical_event(record, invitations=invitations) == record


def test_an_all_day_event_round_trips_as_dates() -> None:
    record = Event.normalized(
        subject="Trade fair", start=date(2026, 4, 1), end=date(2026, 4, 4), all_day=True,
        time_zone="Europe/Berlin",
    )  # fmt: skip
    obj = event_to_graph(record, invitations=False)
    assert obj["start"] == {
        "dateTime": "2026-04-01T00:00:00",
        "timeZone": "W. Europe Standard Time",
    }
    assert obj["isAllDay"] is True
    assert event_from_graph(as_read(obj)) == record


def test_windows_zone_names_from_outlook_are_read_as_iana_zones() -> None:
    obj = {
        "subject": "Call",
        "start": {"dateTime": "2026-07-01T16:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-07-01T16:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Pacific Standard Time",
    }
    record = event_from_graph(obj)
    assert record.time_zone == "America/Los_Angeles"
    assert record.start == datetime(2026, 7, 1, 16, tzinfo=UTC)


def test_a_zone_that_is_not_the_main_one_of_its_windows_zone_is_written_as_iana() -> None:
    record = Event.normalized(subject="x", start=START, end=START, time_zone="Europe/Oslo")
    assert event_to_graph(record, invitations=False)["start"]["timeZone"] == "Europe/Oslo"
    record = Event.normalized(subject="x", start=START, end=START, time_zone="Europe/Paris")
    assert event_to_graph(record, invitations=False)["start"]["timeZone"] == "Romance Standard Time"


def test_without_invitations_attendees_go_to_the_body_never_to_the_attendees_collection() -> None:
    obj = event_to_graph(FULL_EVENT, invitations=False)
    assert "attendees" not in obj
    assert obj["body"]["content"] == (
        f"Pricing\nRenewal\n\n{ATTENDEES_HEADER}\n- Bo <b@x.example>\n- c@y.example"
    )


def test_with_invitations_attendees_go_to_the_attendees_collection() -> None:
    obj = event_to_graph(FULL_EVENT, invitations=True)
    assert [a["emailAddress"]["address"] for a in obj["attendees"]] == [
        "b@x.example",
        "c@y.example",
    ]
    assert obj["body"]["content"] == "Pricing\nRenewal"


def test_real_attendees_and_listed_ones_are_merged_on_read() -> None:
    obj = as_read(event_to_graph(FULL_EVENT, invitations=False))
    obj["attendees"] = [
        {
            "emailAddress": {"address": "d@z.example", "name": "Di"},
            "status": {"response": "accepted"},
        }
    ]
    record = event_from_graph(obj)
    assert [(a.email, a.response) for a in record.attendees] == [
        ("b@x.example", "none"), ("c@y.example", "none"), ("d@z.example", "accepted"),
    ]  # fmt: skip


def test_the_attendee_section_is_found_even_in_an_otherwise_empty_body() -> None:
    text, found = split_body(f"{ATTENDEES_HEADER}\n- Ann Lee <ann@x.example>\n")
    assert text == "" and found == [Attendee.normalized("ann@x.example", "Ann Lee")]


def test_a_foreign_organizer_is_kept_and_the_own_one_is_implied() -> None:
    obj = as_read(event_to_graph(FULL_EVENT, invitations=True))
    obj["organizer"] = {"emailAddress": {"address": "Boss@X.example", "name": "Boss"}}
    assert event_from_graph(obj).organizer is None
    obj["isOrganizer"] = False
    assert event_from_graph(obj).organizer == Attendee.normalized("boss@x.example", "Boss")


def test_a_partial_event_write_of_times_rewrites_the_series_too() -> None:
    body = event_to_graph(FULL_EVENT, invitations=True, fields={"start"})
    assert set(body) == {"start", "end", "isAllDay", "recurrence"}
    assert set(event_to_graph(FULL_EVENT, invitations=False, fields={"attendees"})) == {"body"}
    assert set(event_to_graph(FULL_EVENT, invitations=True, fields={"attendees"})) == {"attendees"}


def test_a_rule_outlook_cannot_hold_is_refused() -> None:
    record = Event.normalized(subject="x", start=START, end=START, recurrence="FREQ=HOURLY")
    with pytest.raises(ValueError, match="Outlook cannot repeat"):
        event_to_graph(record, invitations=False)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;INTERVAL=3;COUNT=9",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260601T000000Z",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU;COUNT=12",
        "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=6",
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6",
        "FREQ=MONTHLY;BYDAY=2TU;INTERVAL=2;COUNT=5",
        "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=27;COUNT=3",
        "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=3",
    ],
)
def test_occurrence_expansion_agrees_with_the_emulators(rule: str) -> None:
    from connections.providers.microsoft.recurrence import occurrence_starts, to_graph_recurrence
    from sandbox.microsoft.recurrence import dates

    first = datetime(2026, 3, 27, 8, 30, tzinfo=UTC)
    rec = to_graph_recurrence(rule, first, "Europe/Paris")
    until = datetime(2030, 1, 1, tzinfo=UTC)
    ours = [
        s.astimezone(ZoneInfo("Europe/Paris")).date()
        for s in occurrence_starts(rec, first, "Europe/Paris", until)
    ]
    assert ours == list(dates(rec, until.date()))
    assert all(
        s.astimezone(ZoneInfo("Europe/Paris")).time() == time(9, 30)
        for s in occurrence_starts(rec, first, "Europe/Paris", until)
    )


def test_a_time_in_the_hour_a_dst_change_repeats_is_written_in_utc() -> None:
    from datetime import UTC, datetime

    from connections.providers.microsoft.convert import canonical_event, event_to_graph
    from syncengine.records import Event

    # 2021-11-07 06:00 UTC is the second 01:00 in New York (clocks went back at 02:00 EDT).
    e = Event.normalized(
        subject="Late call",
        start=datetime(2021, 11, 6, 9, 0, tzinfo=UTC),
        end=datetime(2021, 11, 7, 6, 0, tzinfo=UTC),
        time_zone="America/New_York",
    )
    body = event_to_graph(e, invitations=False)
    assert body["end"] == {"dateTime": "2021-11-07T06:00:00", "timeZone": "UTC"}
    assert body["start"]["timeZone"] != "UTC"
    assert canonical_event(e, invitations=False).end == e.end
