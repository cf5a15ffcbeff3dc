"""Records: normalization, hashing and match keys."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from syncengine.records import (
    HASHED_FIELDS,
    Address,
    Attendee,
    Contact,
    Event,
    merge_fields,
    norm_rrule,
    normalize,
    value_hash,
)

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
email = st.builds(
    "{}@{}.example".format,
    st.text("aBc.9_", min_size=1, max_size=6),
    st.text("xyZ", min_size=1, max_size=4),
)
emails = st.lists(email | text, max_size=3)
stamps = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2040, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    addr = st.none() | st.builds(Address.normalized, text, text, text, text, text)
    return Contact.normalized(
        salutation=draw(text),
        first_name=draw(text),
        last_name=draw(text),
        emails=draw(emails),
        business_phone=draw(text),
        mobile_phone=draw(text),
        title=draw(text),
        company=draw(text),
        mailing_address=draw(addr),
        other_address=draw(addr),
        birthdate=draw(st.none() | st.dates()),
        description=draw(text),
    )


@st.composite
def events(draw: st.DrawFn) -> Event:
    start = draw(stamps)
    return Event.normalized(
        subject=draw(text),
        start=start,
        end=start + timedelta(minutes=draw(st.integers(0, 600))),
        all_day=draw(st.booleans()),
        time_zone=draw(st.sampled_from(["UTC", "Europe/Oslo", "America/New_York", "Nowhere/Else"])),
        location=draw(text),
        description=draw(text),
        show_as=draw(st.sampled_from(["Busy", "free", "OutOfOffice", "tentative", "bogus"])),
        private=draw(st.booleans()),
        recurrence=draw(
            st.none()
            | st.sampled_from(["RRULE:freq=weekly;byday=we,mo;interval=1", "FREQ=DAILY;COUNT=3"])
        ),
        attendees=draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "email": email,
                        "name": text,
                        "response": st.sampled_from(["accepted", "Declined", "x"]),
                    }
                ),
                max_size=4,
            )
        ),
        organizer=draw(st.none() | email),
    )


@settings(max_examples=150, deadline=None)
@given(contacts())
def test_contact_normalization_is_idempotent(c: Contact) -> None:
    assert c.normalize() == c
    assert normalize(c).field_hashes() == c.field_hashes()


@settings(max_examples=150, deadline=None)
@given(events())
def test_event_normalization_is_idempotent(e: Event) -> None:
    assert e.normalize() == e
    assert e.start.tzinfo is UTC and e.end >= e.start
    assert list(e.attendees) == sorted(e.attendees, key=lambda a: a.email)


@settings(max_examples=100, deadline=None)
@given(contacts(), st.sampled_from(HASHED_FIELDS["contacts"]))
def test_each_contact_field_has_its_own_hash(c: Contact, name: str) -> None:
    base = c.field_hashes()
    probe = {"birthdate": date(1999, 9, 9), "emails": ("zz@probe.example",)}
    value = probe.get(name, Address(street="probe") if "address" in name else "probe-value")
    changed = replace(c, **{name: value})
    diff = {k for k, v in changed.field_hashes().items() if base[k] != v}
    assert diff <= {name}
    if getattr(c, name) != value:
        assert diff == {name}


def test_contact_normalized_accepts_loose_input() -> None:
    c = Contact.normalized(
        first_name="  Ana ",
        last_name="Núñez",
        emails=["Ana@X.com ", "ana@x.com", None, ""],  # type: ignore[list-item]
        mailing_address={"street": "1 Road\r\n2nd floor  ", "city": " Oslo "},
        other_address={"street": ""},
        birthdate="1990-02-03",
        description="line 1  \r\nline 2\r\n",
    )
    assert c.emails == ("ana@x.com",)
    assert c.mailing_address == Address(street="1 Road\n2nd floor", city="Oslo")
    assert c.other_address is None
    assert c.birthdate == date(1990, 2, 3)
    assert c.description == "line 1\nline 2"


def test_unicode_forms_normalize_to_the_same_text() -> None:
    composed = Contact.normalized(last_name="Nu\u00f1ez")
    decomposed = Contact.normalized(last_name="Nun\u0303ez")
    assert composed == decomposed


def test_contact_match_keys_are_emails_then_name_and_company() -> None:
    c = Contact.normalized(
        first_name="Ana", last_name="Núñez", company="ACME", emails=["a@x.com", "b@x.com"]
    )
    assert c.match_keys() == [
        ("email", "a@x.com"),
        ("email", "b@x.com"),
        ("name", "ana", "núñez", "acme"),
    ]
    assert Contact.normalized(company="Acme").match_keys() == []


def test_event_times_are_utc_from_a_naive_time_in_its_zone() -> None:
    e = Event.normalized(
        subject="x",
        start=datetime(2026, 7, 1, 10),
        end=datetime(2026, 7, 1, 11),
        time_zone="Europe/Oslo",
    )
    assert e.start == datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert e.time_zone == "Europe/Oslo"
    assert e.match_keys() == [
        ("slot", "x", "2026-07-01T08:00:00+00:00", "2026-07-01T09:00:00+00:00")
    ]


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert Event.normalized(start=datetime(2026, 1, 1), time_zone="Mars/Olympus").time_zone == "UTC"


def test_all_day_events_are_whole_utc_days_with_an_exclusive_end() -> None:
    e = Event.normalized(subject="Off", start=date(2026, 5, 1), all_day=True)
    assert (e.start, e.end) == (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC))
    late = Event.normalized(
        start=datetime(2026, 5, 1, 23, 30, tzinfo=UTC), all_day=True, time_zone="Europe/Oslo"
    )
    assert late.start == datetime(2026, 5, 2, tzinfo=UTC)  # the day it is in Oslo


def test_rrule_text_is_canonical() -> None:
    assert (
        norm_rrule("RRULE:byday=we,mo;freq=weekly;interval=1;wkst=MO") == "FREQ=WEEKLY;BYDAY=MO,WE"
    )
    assert norm_rrule("garbage") == ""
    e = Event.normalized(
        start=datetime(2026, 1, 5),
        recurrence={
            "rrule": "FREQ=DAILY",
            "exdates": ["2026-01-07T00:00:00Z", datetime(2026, 1, 6, tzinfo=UTC)],
        },
    )
    assert e.recurrence is not None
    assert e.recurrence.exdates == (
        datetime(2026, 1, 6, tzinfo=UTC),
        datetime(2026, 1, 7, tzinfo=UTC),
    )


def test_attendees_are_unique_sorted_and_responses_mapped() -> None:
    e = Event.normalized(
        start=datetime(2026, 1, 1),
        attendees=[
            "B@x.com",
            {"email": "a@x.com", "response": "tentativelyAccepted"},
            "b@x.com",
            {"email": "c@x.com", "response": "needsAction"},
        ],
    )
    assert [(a.email, a.response) for a in e.attendees] == [
        ("a@x.com", "tentative"),
        ("b@x.com", "none"),
        ("c@x.com", "none"),
    ]


def test_unhashed_event_fields_do_not_move_the_hashes() -> None:
    e = Event.normalized(subject="x", start=datetime(2026, 1, 1), attendees=["a@x.com"])
    rewritten = replace(
        e,
        organizer=Attendee("boss@x.com"),
        time_zone="Europe/Oslo",
        attendees=(Attendee("a@x.com", response="accepted"),),
    )
    assert rewritten.field_hashes() == e.field_hashes()
    assert set(HASHED_FIELDS["events"]) == {f.name for f in fields(Event)} - {
        "organizer",
        "time_zone",
    }


def test_the_zone_of_a_series_is_hashed_with_its_recurrence() -> None:
    e = Event.normalized(start=datetime(2026, 1, 1), recurrence="FREQ=WEEKLY")
    moved = replace(e, time_zone="Europe/Oslo")
    diff = {k for k, v in moved.field_hashes().items() if e.field_hashes()[k] != v}
    assert diff == {"recurrence"}


def test_merge_fields_takes_only_the_named_fields_and_keeps_known_responses() -> None:
    base = Event.normalized(
        subject="a",
        start=datetime(2026, 1, 1),
        location="L",
        attendees=[{"email": "x@x.com", "response": "accepted"}],
    )
    source = Event.normalized(
        subject="b",
        start=datetime(2026, 1, 2),
        location="M",
        time_zone="Europe/Oslo",
        attendees=["x@x.com", "y@x.com"],
    )
    merged = merge_fields(base, source, ["subject", "attendees"])
    assert (merged.subject, merged.location, merged.start) == ("b", "L", base.start)
    assert [(a.email, a.response) for a in merged.attendees] == [
        ("x@x.com", "accepted"),
        ("y@x.com", "none"),
    ]
    moved = merge_fields(base, source, ["start"])
    assert moved.time_zone == "Europe/Oslo"


def test_labels_read_well() -> None:
    c = Contact.normalized(first_name="Ana", last_name="Núñez", emails=["ana@x.com"])
    assert c.label() == "Contact 'Ana Núñez' <ana@x.com>"
    e = Event.normalized(subject="Review", start=datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert e.label() == "Event 'Review' 2026-03-01 09:00 UTC"


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@given(
    st.one_of(
        st.none(),
        _TEXT,
        st.tuples(),
        st.tuples(_TEXT),
        st.tuples(_TEXT, _TEXT, _TEXT),
        st.lists(_TEXT).map(tuple),
        st.booleans(),
        st.integers(),
    )
)
def test_a_field_hash_is_the_hash_of_its_compact_json_whatever_the_value(value: object) -> None:
    # Stored hashes must stay valid: the quick paths of value_hash write what json.dumps writes.
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert value_hash(value) == hashlib.sha256(blob.encode()).hexdigest()[:16]
