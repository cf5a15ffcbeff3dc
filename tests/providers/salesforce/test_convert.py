"""convert.py: every supported field survives record -> Salesforce JSON -> record (what Salesforce
keeps of it, `canonical_*`), table-driven and with Hypothesis."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connections.providers.salesforce import convert
from syncengine.records import Address, Attendee, Contact, Event, Recurrence
from tests.syncengine.conftest import engine_settings

SECOND = "Secondary_Email__c"
ZONE = "America/Los_Angeles"


def contact_row(record: Contact, second: str | None = SECOND) -> dict[str, Any]:
    """What a SOQL read returns after Salesforce stored the body we wrote."""
    row = convert.contact_to_fields(record, second)
    row.update(
        Id="003000000000001AAA", Account={"Name": record.company} if record.company else None
    )
    return row


def event_row(record: Event) -> dict[str, Any]:
    row = convert.event_to_fields(record)
    row.setdefault("Recurrence2PatternTimeZone", None)
    row["Id"] = "00U000000000001AAA"
    return row


def relations(record: Event) -> list[dict[str, Any]]:
    return [
        {"Relation": {"Email": a.email, "Name": a.name}, "Status": convert.STATUS_TO_SF[a.response]}
        for a in record.attendees
    ]


def contact_round_trip(record: Contact, second: str | None = SECOND) -> Contact:
    return convert.contact_from_row(contact_row(record, second), second)


def event_round_trip(record: Event) -> Event:
    return convert.event_from_row(event_row(record), relations(record), ZONE)


FULL_CONTACT = Contact.normalized(
    salutation="Dr.",
    first_name="Ana",
    last_name="Núñez",
    emails=["Ana@Example.com", "ana.private@example.org"],
    business_phone="+47 22 00 00 00",
    mobile_phone="+47 900 00 000",
    home_phone="+47 22 11 11 11",
    other_phone="+47 22 22 22 22",
    fax="+47 22 33 33 33",
    title="Head of purchasing",
    department="Purchasing",
    company="Acme AS",
    mailing_address={
        "street": "Storgata 1\nPostboks 7",
        "city": "Oslo",
        "state": "Oslo",
        "postal_code": "0155",
        "country": "Norway",
    },
    other_address={"street": "1 Main St", "city": "Boston", "country": "USA"},
    birthdate=date(1980, 2, 29),
    assistant_name="Per",
    assistant_phone="+47 900 11 111",
    description="Met at the fair.\nLikes tea.",
)


@pytest.mark.parametrize(
    ("field", "value", "sf_field", "sf_value"),
    [
        ("salutation", "Dr.", "Salutation", "Dr."),
        ("first_name", "Ana", "FirstName", "Ana"),
        ("last_name", "Núñez", "LastName", "Núñez"),
        ("business_phone", "+47 22 00 00 00", "Phone", "+47 22 00 00 00"),
        ("mobile_phone", "+47 900 00 000", "MobilePhone", "+47 900 00 000"),
        ("home_phone", "+47 22 11 11 11", "HomePhone", "+47 22 11 11 11"),
        ("other_phone", "+47 22 22 22 22", "OtherPhone", "+47 22 22 22 22"),
        ("fax", "+47 22 33 33 33", "Fax", "+47 22 33 33 33"),
        ("title", "Head of purchasing", "Title", "Head of purchasing"),
        ("department", "Purchasing", "Department", "Purchasing"),
        ("assistant_name", "Per", "AssistantName", "Per"),
        ("assistant_phone", "+47 900 11 111", "AssistantPhone", "+47 900 11 111"),
        (
            "description",
            "Met at the fair.\nLikes tea.",
            "Description",
            "Met at the fair.\nLikes tea.",
        ),
        ("emails", ("ana@example.com",), "Email", "ana@example.com"),
        ("birthdate", date(1980, 2, 29), "Birthdate", "1980-02-29"),
        ("mailing_address", Address(city="Oslo"), "MailingCity", "Oslo"),
        (
            "mailing_address",
            Address(street="Storgata 1\nPb 7"),
            "MailingStreet",
            "Storgata 1\nPb 7",
        ),
        ("other_address", Address(postal_code="0155"), "OtherPostalCode", "0155"),
        ("other_address", Address(country="Norway"), "OtherCountry", "Norway"),
        ("other_address", Address(state="CA"), "OtherState", "CA"),
    ],
)
def test_each_contact_field_maps_to_its_salesforce_field_and_back(
    field: str, value: Any, sf_field: str, sf_value: Any
) -> None:
    record = Contact.normalized(**{"last_name": "Núñez", field: value})
    body = convert.contact_to_fields(record, SECOND)
    assert body[sf_field] == sf_value
    assert contact_round_trip(record) == record


def test_a_full_contact_round_trips_with_two_emails_and_the_company_from_the_account() -> None:
    assert contact_round_trip(FULL_CONTACT) == FULL_CONTACT
    assert contact_row(FULL_CONTACT)[SECOND] == "ana.private@example.org"


def test_salesforce_keeps_one_email_without_a_second_email_field() -> None:
    kept = contact_round_trip(FULL_CONTACT, None)
    assert kept.emails == ("ana@example.com",)
    assert kept == convert.canonical_contact(FULL_CONTACT, None)


def test_a_third_email_is_what_salesforce_cannot_hold() -> None:
    record = Contact.normalized(last_name="X", emails=["a@x.com", "b@x.com", "c@x.com"])
    assert contact_round_trip(record).emails == ("a@x.com", "b@x.com")
    assert convert.canonical_contact(record, SECOND).emails == ("a@x.com", "b@x.com")


def test_empty_fields_are_written_as_null_so_they_clear_salesforce() -> None:
    body = convert.contact_to_fields(Contact.normalized(last_name="X"), SECOND)
    assert body["Title"] is None and body["Email"] is None and body["MailingCity"] is None
    assert "AccountId" not in body


def test_an_update_naming_fields_writes_only_their_salesforce_fields() -> None:
    body = convert.contact_to_fields(FULL_CONTACT, SECOND, frozenset({"title", "mailing_address"}))
    assert set(body) == {"Title", *(f"Mailing{p}" for p in convert.ADDRESS_PARTS.values())}


# --------------------------------------------------------------------------- events

START = datetime(2026, 5, 4, 7, 30, tzinfo=UTC)
TIMED = Event.normalized(
    subject="Review",
    start=START,
    end=START + timedelta(hours=1),
    time_zone=ZONE,
    location="Room 1",
    description="Agenda:\n1. Numbers",
    show_as="oof",
    private=True,
    attendees=[
        Attendee.normalized("bo@example.com", "Bo", "accepted"),
        Attendee.normalized("cy@example.com", "Cy", "declined"),
        Attendee.normalized("di@example.com", "Di", "tentative"),
        Attendee.normalized("ed@example.com", "Ed", "none"),
    ],
)
ALL_DAY = Event.normalized(
    subject="Fair", start=date(2026, 6, 1), end=date(2026, 6, 4), all_day=True
)
SERIES = Event.normalized(
    subject="Stand-up",
    start=START,
    end=START + timedelta(minutes=15),
    time_zone="Europe/Oslo",
    recurrence="FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20261231T000000Z",
)
ALL_DAY_SERIES = Event.normalized(
    subject="Holiday",
    start=date(2026, 12, 24),
    all_day=True,
    time_zone="Europe/Oslo",
    recurrence="FREQ=YEARLY;COUNT=5",
)


@pytest.mark.parametrize("record", [TIMED, ALL_DAY, SERIES, ALL_DAY_SERIES], ids=str)
def test_events_round_trip(record: Event) -> None:
    assert event_round_trip(record) == convert.canonical_event(record, ZONE)


@pytest.mark.parametrize(
    ("field", "value", "sf_field", "sf_value"),
    [
        ("subject", "Review", "Subject", "Review"),
        ("location", "Room 1", "Location", "Room 1"),
        ("description", "Agenda", "Description", "Agenda"),
        ("show_as", "busy", "ShowAs", "Busy"),
        ("show_as", "free", "ShowAs", "Free"),
        ("show_as", "oof", "ShowAs", "OutOfOffice"),
        ("private", True, "IsPrivate", True),
        ("start", START, "StartDateTime", "2026-05-04T07:30:00.000+0000"),
    ],
)
def test_each_event_field_maps_to_its_salesforce_field_and_back(
    field: str, value: Any, sf_field: str, sf_value: Any
) -> None:
    base: dict[str, Any] = {"subject": "S", "start": START, "end": START + timedelta(hours=2)}
    base[field] = value
    record = Event.normalized(time_zone=ZONE, **base)
    assert convert.event_to_fields(record)[sf_field] == sf_value
    assert event_round_trip(record) == record


def test_an_all_day_event_is_written_as_activity_date_and_whole_days() -> None:
    body = convert.event_to_fields(ALL_DAY)
    assert body["IsAllDayEvent"] is True
    assert body["ActivityDate"] == "2026-06-01" and body["DurationInMinutes"] == 3 * 1440
    assert "StartDateTime" not in body


def test_a_series_is_written_as_an_rrule_pattern_with_its_zone() -> None:
    body = convert.event_to_fields(SERIES)
    assert body["IsRecurrence2"] is True
    assert body["Recurrence2PatternText"] == (
        "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE,FR;UNTIL=20261231T000000Z"
    )
    assert body["Recurrence2PatternTimeZone"] == "Europe/Oslo"


def test_tentative_and_working_elsewhere_become_busy_in_salesforce() -> None:
    for show_as in ("tentative", "working_elsewhere"):
        record = Event.normalized(subject="S", start=START, end=START, show_as=show_as)
        assert convert.event_to_fields(record)["ShowAs"] == "Busy"
        assert convert.canonical_event(record).show_as == "busy"


def test_the_organizer_is_what_salesforce_cannot_hold_and_removed_occurrences_stay() -> None:
    record = Event.normalized(
        subject="S",
        start=START,
        end=START,
        recurrence={"rrule": "FREQ=DAILY;COUNT=3", "exdates": [START + timedelta(days=1)]},
        organizer="boss@example.com",
    )
    kept = convert.canonical_event(record)
    # Removed occurrences are occurrence rows the series lacks (stores/series.py), not fields.
    assert kept.recurrence == record.recurrence
    assert kept.organizer is None
    assert event_round_trip(record) == replace(
        convert.canonical_event(record, ZONE), recurrence=Recurrence("FREQ=DAILY;COUNT=3")
    )


def test_a_single_event_takes_the_owners_zone_because_salesforce_keeps_none() -> None:
    record = Event.normalized(subject="S", start=START, end=START, time_zone="Asia/Tokyo")
    assert event_round_trip(record).time_zone == ZONE
    assert event_round_trip(record).start == START


def test_an_update_naming_the_start_writes_the_whole_time_group() -> None:
    body = convert.event_to_fields(TIMED, frozenset({"start"}))
    assert set(body) == {"IsAllDayEvent", "StartDateTime", "EndDateTime"}
    assert set(convert.event_to_fields(TIMED, frozenset({"subject"}))) == {"Subject"}


def test_relations_without_an_email_are_not_attendees() -> None:
    rows = [{"Relation": {"Email": None, "Name": "Room"}, "Status": "New"}]
    assert convert.event_from_row(event_row(TIMED), rows, ZONE).attendees == ()


# --------------------------------------------------------------------------- Hypothesis

words = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]), max_size=30
)
lines = st.lists(words, min_size=0, max_size=3).map("\n".join)
emails = st.from_regex(r"[a-z][a-z0-9.]{0,10}@[a-z]{1,10}\.(com|org|no)", fullmatch=True)
addresses = st.none() | st.builds(
    Address.normalized, street=lines, city=words, state=words, postal_code=words, country=words
)
contacts = st.builds(
    Contact.normalized,
    salutation=words,
    first_name=words,
    last_name=words,
    emails=st.lists(emails, max_size=3),
    business_phone=words,
    mobile_phone=words,
    home_phone=words,
    other_phone=words,
    fax=words,
    title=words,
    department=words,
    company=words,
    mailing_address=addresses,
    other_address=addresses,
    birthdate=st.none() | st.dates(date(1900, 1, 1), date(2100, 1, 1)),
    assistant_name=words,
    assistant_phone=words,
    description=lines,
)


@engine_settings(max_examples=150)
@given(contacts, st.sampled_from([SECOND, None]))
def test_any_contact_round_trips_to_what_salesforce_keeps(
    record: Contact, second: str | None
) -> None:
    assert contact_round_trip(record, second) == convert.canonical_contact(record, second)


instants = st.datetimes(datetime(2000, 1, 1), datetime(2060, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0)
)
rules = st.sampled_from(
    [None, "FREQ=DAILY;COUNT=5", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "FREQ=MONTHLY;BYMONTHDAY=15",
     "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=20300101T000000Z", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1"]
)  # fmt: skip
attendees = st.lists(
    st.builds(Attendee.normalized, emails, words, st.sampled_from(sorted(convert.STATUS_TO_SF))),
    max_size=4,
)


@st.composite
def events(draw: st.DrawFn) -> Event:
    start = draw(instants)
    all_day = draw(st.booleans())
    length = draw(st.integers(0, 13 * 1440 if not all_day else 13))
    end = start + (timedelta(days=length) if all_day else timedelta(minutes=length))
    return Event.normalized(
        subject=draw(words),
        start=start.date() if all_day else start,
        end=end.date() if all_day else end,
        all_day=all_day,
        time_zone=draw(st.sampled_from(["UTC", "Europe/Oslo", ZONE, "Asia/Kolkata"])),
        location=draw(words),
        description=draw(lines),
        show_as=draw(st.sampled_from(["busy", "free", "oof", "tentative", "working_elsewhere"])),
        private=draw(st.booleans()),
        recurrence=draw(rules),
        attendees=draw(attendees),
    )


@engine_settings(max_examples=150)
@given(events())
def test_any_event_round_trips_to_what_salesforce_keeps(record: Event) -> None:
    assert event_round_trip(record) == convert.canonical_event(record, ZONE)
