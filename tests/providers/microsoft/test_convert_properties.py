"""Property tests: for any record, what Graph keeps (`canonical`) survives a write and a read
unchanged, and keeping it twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connections.providers.microsoft.convert import (
    canonical_contact,
    canonical_event,
    contact_from_graph,
    contact_to_graph,
    event_from_graph,
    event_to_graph,
)
from syncengine.records import Address, Contact, Event
from tests.providers.microsoft.test_convert import as_read

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=14)
email = st.builds(
    "{}@{}.example".format,
    st.text("aBc.9_", min_size=1, max_size=6),
    st.text("xyZ", min_size=1, max_size=4),
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    addr = st.none() | st.builds(Address.normalized, text, text, text, text, text)
    return Contact.normalized(
        salutation=draw(text), first_name=draw(text), last_name=draw(text),
        emails=draw(st.lists(email, max_size=5)), business_phone=draw(text),
        mobile_phone=draw(text), home_phone=draw(text), other_phone=draw(text), fax=draw(text),
        title=draw(text), department=draw(text), company=draw(text),
        mailing_address=draw(addr), other_address=draw(addr),
        birthdate=draw(st.none() | st.dates()), assistant_name=draw(text),
        assistant_phone=draw(text), description=draw(text),
    )  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> Event:
    start = draw(
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
        )
    )
    return Event.normalized(
        subject=draw(text), start=start, end=start + timedelta(minutes=draw(st.integers(0, 3000))),
        all_day=draw(st.booleans()),
        time_zone=draw(st.sampled_from(["UTC", "Europe/Oslo", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])),
        location=draw(text), description=draw(text),
        show_as=draw(st.sampled_from(["busy", "free", "tentative", "oof", "working_elsewhere"])),
        private=draw(st.booleans()),
        recurrence=draw(st.none() | st.sampled_from([
            "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=DAILY;COUNT=3", "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=YEARLY;UNTIL=20300101T000000Z", "FREQ=WEEKLY",
        ])),
        attendees=draw(st.lists(st.fixed_dictionaries({"email": email, "name": text}), max_size=4)),
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(contacts())
def test_what_graph_keeps_of_a_contact_survives_a_round_trip(c: Contact) -> None:
    kept = canonical_contact(c)
    assert canonical_contact(kept) == kept
    assert contact_from_graph(contact_to_graph(kept)) == kept


@settings(max_examples=200, deadline=None)
@given(events(), st.booleans())
def test_what_graph_keeps_of_an_event_survives_a_round_trip(e: Event, invitations: bool) -> None:
    kept = canonical_event(e, invitations=invitations)
    assert canonical_event(kept, invitations=invitations) == kept
    assert event_from_graph(as_read(event_to_graph(kept, invitations=invitations))) == kept


@settings(max_examples=300, deadline=None)
@given(events(), st.booleans())
def test_graph_keeps_every_event_field_lsync_writes(e: Event, invitations: bool) -> None:
    """Recurrence rules may come back spelled out (BYMONTH=...): equal in meaning, tested in
    test_convert; everything else comes back exactly."""
    from dataclasses import replace

    single = replace(e, recurrence=None)
    assert canonical_event(single, invitations=invitations) == single


@settings(max_examples=300, deadline=None)
@given(contacts())
def test_graph_keeps_every_contact_field_but_the_documented_ones(c: Contact) -> None:
    from dataclasses import replace

    expected = replace(c, other_phone="", fax="", assistant_phone="", emails=c.emails[:3])
    assert canonical_contact(c) == expected
