"""Property tests for convert.py: any normalized record survives the trip through Google's JSON
(events: as the store's `canonical` predicts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from connections.providers.google import convert
from syncengine.records import Contact, Event

OWNER = "owner@example.com"
ZONES = ["UTC", "Europe/Oslo", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
WORD = st.text(alphabet="abcæøåßéñ ABCZ-'.0123456789", min_size=0, max_size=12)
LINES = st.lists(WORD, max_size=3).map("\n".join)
EMAIL = st.from_regex(r"[a-z0-9]{1,8}@[a-z]{1,6}\.example", fullmatch=True)
ADDRESS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"street": LINES, "city": WORD, "state": WORD, "postal_code": WORD, "country": WORD}
    ),
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    text = {
        name: draw(WORD)
        for name in (
            "salutation",
            "first_name",
            "last_name",
            "business_phone",
            "mobile_phone",
            "home_phone",
            "other_phone",
            "fax",
            "title",
            "department",
            "company",
            "assistant_name",
            "assistant_phone",
        )  # fmt: skip
    }
    return Contact.normalized(
        **text,
        emails=draw(st.lists(EMAIL, max_size=4)),
        mailing_address=draw(ADDRESS),
        other_address=draw(ADDRESS),
        birthdate=draw(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2030, 12, 31)))),
        description=draw(LINES),
    )


@st.composite
def events(draw: st.DrawFn) -> Event:
    zone = draw(st.sampled_from(ZONES))
    all_day = draw(st.booleans())
    day = draw(st.dates(date(2024, 1, 1), date(2031, 12, 31)))
    fields: dict[str, Any] = {
        "subject": draw(WORD),
        "location": draw(WORD),
        "description": draw(LINES),
        "time_zone": zone,
        "all_day": all_day,
        "show_as": draw(st.sampled_from(["busy", "free", "tentative", "oof"])),
        "private": draw(st.booleans()),
        "attendees": [
            {
                "email": e,
                "name": draw(WORD),
                "response": draw(st.sampled_from(["none", "accepted", "declined", "tentative"])),
            }
            for e in draw(st.lists(EMAIL, max_size=3, unique=True))
        ],  # fmt: skip
    }
    if all_day:
        fields["start"] = day
        fields["end"] = day + timedelta(days=draw(st.integers(1, 5)))
        skipped: list[Any] = [day + timedelta(days=k) for k in draw(st.sets(st.integers(1, 9)))]
    else:
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            minutes=draw(st.integers(0, 24 * 60 - 1))
        )
        fields["start"] = start
        fields["end"] = start + timedelta(minutes=draw(st.integers(0, 600)))
        local = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        skipped = [local + timedelta(days=k) for k in draw(st.sets(st.integers(1, 9)))]
    if draw(st.booleans()):
        rule = draw(st.sampled_from(["FREQ=DAILY;COUNT=10", "FREQ=WEEKLY;BYDAY=MO,FR",
                                     "FREQ=MONTHLY;BYMONTHDAY=1;INTERVAL=2"]))  # fmt: skip
        fields["recurrence"] = {"rrule": rule, "exdates": skipped}
    return Event.normalized(**fields)


@settings(max_examples=150, deadline=None)
@given(contacts())
def test_any_contact_round_trips(contact: Contact) -> None:
    person = convert.new_person(contact, "contactGroups/g", "003X")
    assert convert.contact_from_person(person) == contact
    assert convert.contact_marker(person) == "003X"


@settings(max_examples=150, deadline=None)
@given(events())
def test_any_event_round_trips_as_canonical_predicts(event: Event) -> None:
    data = {**convert.event_to_api(event), "organizer": {"email": OWNER, "self": True}}
    assert convert.event_from_api(data, "UTC") == convert.canonical_event(event, OWNER)
