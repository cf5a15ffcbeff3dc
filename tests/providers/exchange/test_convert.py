"""Field by field round trips between our records and exchangelib items (no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib import Contact as EwsContact
from exchangelib.properties import Attendee as EwsAttendee
from exchangelib.properties import Mailbox
from exchangelib.recurrence import DeletedOccurrence

from connections.providers.exchange import convert
from connections.providers.exchange.recurrence import UnsupportedRecurrence, from_ews, to_ews
from syncengine.records import Address, Contact, Event

FULL_CONTACT: dict[str, Any] = {
    "salutation": "Dr.",
    "first_name": "Ana",
    "last_name": "Núñez",
    "emails": ["ana@example.com", "ana.n@home.example", "a@third.example"],
    "business_phone": "+47 22 00 00 00",
    "mobile_phone": "+47 900 00 000",
    "home_phone": "+47 22 11 11 11",
    "other_phone": "+47 22 22 22 22",
    "fax": "+47 22 33 33 33",
    "title": "Buyer",
    "department": "Purchasing",
    "company": "Acme",
    "mailing_address": Address("Storgata 1\nPostboks 7", "Oslo", "Oslo", "0155", "Norway"),
    "other_address": Address("Lilleveien 2", "Bergen", "", "5003", "Norway"),
    "birthdate": date(1980, 2, 29),
    "assistant_name": "Bo",
    "assistant_phone": "+47 22 44 44 44",
    "description": "Met at the fair.\nPrefers e-mail.",
}


def roundtrip_contact(c: Contact) -> Contact:
    return convert.contact_from_ews(convert.fill_contact(EwsContact(), c))


@pytest.mark.parametrize("field", sorted(FULL_CONTACT))
def test_each_contact_field_survives_a_round_trip_through_an_exchange_contact(field: str) -> None:
    record = Contact.normalized(**{field: FULL_CONTACT[field]})
    assert getattr(roundtrip_contact(record), field) == getattr(record, field)


def test_a_full_contact_survives_a_round_trip() -> None:
    record = Contact.normalized(**FULL_CONTACT)
    assert roundtrip_contact(record) == record


def test_a_fourth_email_is_not_held_and_canonical_says_so() -> None:
    record = Contact.normalized(emails=["a@x.example", "b@x.example", "c@x.example", "d@x.example"])
    assert convert.canonical_contact(record).emails == ("a@x.example", "b@x.example", "c@x.example")


def test_each_contact_field_names_the_exchange_fields_an_update_writes() -> None:
    assert convert.updated_fields(convert.CONTACT_FIELDS, ["mobile_phone"]) == ["phone_numbers"]
    assert set(convert.CONTACT_FIELDS) == set(FULL_CONTACT)


def test_the_marker_is_an_extended_property_on_contacts_and_events() -> None:
    contact = EwsContact(**{convert.MARKER_FIELD: "003000000000001AAA"})
    event = CalendarItem(**{convert.MARKER_FIELD: "00U000000000001AAA"})
    assert convert.marker_of(contact) == "003000000000001AAA"
    assert convert.marker_of(event) == "00U000000000001AAA"
    assert convert.marker_of(EwsContact()) is None


def test_an_html_body_is_read_as_its_text() -> None:
    from exchangelib import HTMLBody

    assert (
        convert.text_of(HTMLBody("<html><body><p>Hi &amp; bye</p></body></html>")) == "Hi & bye\n"
    )


START = datetime(2026, 5, 4, 7, tzinfo=UTC)
FULL_EVENT: dict[str, Any] = {
    "subject": "Review",
    "start": START,
    "end": START + timedelta(hours=1),
    "time_zone": "Europe/Berlin",
    "location": "Room 1",
    "description": "Agenda\nline two",
    "show_as": "tentative",
    "private": True,
    "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10",
    "attendees": [{"email": "bo@partner.example", "name": "Bo Berg"}, "cy@partner.example"],
}


def roundtrip_event(e: Event) -> Event:
    item = convert.fill_event(CalendarItem(), e)
    return convert.event_from_ews(item)


@pytest.mark.parametrize("field", sorted(FULL_EVENT))
def test_each_event_field_survives_a_round_trip_through_a_calendar_item(field: str) -> None:
    base = {"subject": "x", "start": START, "end": START + timedelta(hours=1)}
    record = Event.normalized(**{**base, field: FULL_EVENT[field]})
    assert getattr(roundtrip_event(record), field) == getattr(record, field)


def test_a_full_event_survives_a_round_trip() -> None:
    record = Event.normalized(**FULL_EVENT)
    assert roundtrip_event(record) == record


@pytest.mark.parametrize("show_as", ["busy", "free", "tentative", "oof", "working_elsewhere"])
def test_every_show_as_value_survives(show_as: str) -> None:
    record = Event.normalized(subject="x", start=START, end=START, show_as=show_as)
    assert roundtrip_event(record).show_as == show_as


def test_an_all_day_event_keeps_its_days() -> None:
    record = Event.normalized(
        subject="Fair", start=date(2026, 5, 4), end=date(2026, 5, 6), all_day=True,
        time_zone="Europe/Berlin",
    )  # fmt: skip
    item = convert.fill_event(CalendarItem(), record)
    assert item.start == date(2026, 5, 4) and item.end == date(2026, 5, 5)
    assert roundtrip_event(record) == record


def test_a_zone_windows_merges_is_given_back_as_its_main_zone() -> None:
    record = Event.normalized(subject="x", start=START, end=START, time_zone="Europe/Oslo")
    assert convert.kept_zone("Europe/Oslo") == "Europe/Berlin"
    assert convert.canonical_event(record).time_zone == "Europe/Berlin"
    assert convert.canonical_event(record).start == record.start


def test_a_zone_unknown_to_windows_is_written_as_utc() -> None:
    assert convert.ews_zone("Etc/GMT+5").key in ("UTC", "Etc/GMT+5")


def test_deleted_occurrences_become_exdates() -> None:
    record = Event.normalized(**{**FULL_EVENT, "attendees": ()})
    item = convert.fill_event(CalendarItem(), record)
    gone = START + timedelta(days=2)
    item.deleted_occurrences = [DeletedOccurrence(start=EWSDateTime.from_datetime(gone))]
    assert convert.event_from_ews(item).recurrence.exdates == (gone,)  # type: ignore[union-attr]


def test_attendee_responses_and_a_foreign_organizer_are_read() -> None:
    item = convert.fill_event(CalendarItem(), Event.normalized(subject="x", start=START))
    item.required_attendees = [
        EwsAttendee(mailbox=Mailbox(email_address="bo@p.example", name="bo@p.example"),
                    response_type="Accept"),
        EwsAttendee(mailbox=Mailbox(email_address="cy@p.example"), response_type="Decline"),
    ]  # fmt: skip
    item.organizer = Mailbox(email_address="boss@x.example", name="Boss")
    event = convert.event_from_ews(item, owner="ana@x.example")
    assert [(a.email, a.name, a.response) for a in event.attendees] == [
        ("bo@p.example", "", "accepted"),
        ("cy@p.example", "", "declined"),
    ]
    assert event.organizer is not None and event.organizer.email == "boss@x.example"
    item.organizer = Mailbox(email_address="ana@x.example")
    assert convert.event_from_ews(item, owner="ana@x.example").organizer is None


RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3;COUNT=5",
    "FREQ=WEEKLY;BYDAY=MO,TU,FR;INTERVAL=2",
    "FREQ=WEEKLY;BYDAY=SU;WKST=SU",
    "FREQ=MONTHLY;BYMONTHDAY=4",
    "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=4",
    "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
    "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260831T215959Z",
]


@pytest.mark.parametrize("rule", RULES)
def test_each_recurrence_rule_survives_a_round_trip(rule: str) -> None:
    from syncengine.records import norm_rrule

    back = from_ews(to_ews(rule, START, "Europe/Berlin"), "Europe/Berlin")
    assert norm_rrule(back) == norm_rrule(rule)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=YEARLY;INTERVAL=2",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1",
    ],
)
def test_a_rule_exchange_cannot_hold_is_refused(rule: str) -> None:
    with pytest.raises(UnsupportedRecurrence):
        to_ews(rule, START, "UTC")


def test_a_master_without_a_known_pattern_has_no_rule() -> None:
    assert from_ews(None, "UTC") == ""
    assert EWSTimeZone("Europe/Berlin").ms_id == "W. Europe Standard Time"


def test_characters_xml_cannot_carry_are_left_out_so_one_field_cannot_fail_a_batch() -> None:
    record = Contact.normalized(first_name="A\x01na", description="Line\x0bone")
    kept = convert.canonical_contact(record)
    assert (kept.first_name, kept.description) == ("Ana", "Lineone")
    event = Event.normalized(
        subject="Re\x00view", start=START, attendees=[{"email": "a@x.example", "name": "B\x02o"}]
    )
    kept_event = convert.canonical_event(event)
    assert kept_event.subject == "Review" and kept_event.attendees[0].name == "Bo"
