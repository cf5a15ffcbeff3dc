"""vCard and iCalendar maps: round trips, and cards and events written by other clients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connections.providers.caldav.convert import contact_from_vcard, vcard_text
from connections.providers.caldav.convert_events import (
    add_override,
    event_from_ical,
    ical_text,
    overrides,
)
from syncengine.records import Contact, Event

FULL = Contact.normalized(
    salutation="Dr.", first_name="Ana", last_name="Núñez; Jr, x", emails=["Ana@x.com", "b@y.com"],
    business_phone="+47 1", mobile_phone="+47 2", home_phone="3", other_phone="4", fax="5",
    title="Buyer", department="Sales", company="Acme; AS", birthdate=date(1990, 4, 15),
    mailing_address={"street": "Main 1\nFloor 2", "city": "Oslo", "postal_code": "0150"},
    other_address={"city": "Bergen"}, assistant_name="Bo", assistant_phone="6",
    description="Line 1\nLine 2, with; stuff\\",
)  # fmt: skip

# As a phone or Radicale's web UI writes it: vCard 3.0, upper-case types, a photo, a nickname.
OTHER_CLIENT = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\nUID:abc\r\n"
    "N:Hansen;Kari;Marie;;\r\nFN:Kari Hansen\r\nNICKNAME:KH\r\nORG:Fjord AS;Buying;Nordic\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=WORK;TYPE=pref:KARI@fjord.example\r\n"
    "TEL;TYPE=CELL;TYPE=VOICE;TYPE=pref:+47 400 00 000\r\nTEL;TYPE=PAGER:+47 1\r\n"
    "TEL;TYPE=CELL:+47 999 99 999\r\nBDAY:1985-02-03\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\n"
    "END:VCARD\r\n"
)


def test_a_contact_round_trips_through_vcard_with_its_marker() -> None:
    text = vcard_text(FULL, uid="u1", marker="003X", existing=None)
    assert "VERSION:4.0" in text
    assert contact_from_vcard(text) == (FULL, "003X")


def test_a_vcard_3_from_another_client_is_read() -> None:
    contact, marker = contact_from_vcard(OTHER_CLIENT)
    assert marker is None
    assert (contact.first_name, contact.last_name, contact.emails) == (
        "Kari", "Hansen", ("kari@fjord.example",),
    )  # fmt: skip
    assert (contact.mobile_phone, contact.company, contact.department) == (
        "+47 400 00 000", "Fjord AS", "Buying",
    )  # fmt: skip
    assert contact.birthdate == date(1985, 2, 3)


def test_writing_over_another_clients_vcard_keeps_what_lsync_does_not_map() -> None:
    contact, _ = contact_from_vcard(OTHER_CLIENT)
    edited = Contact.normalized(**{**contact.__dict__, "title": "Buyer", "mobile_phone": "+47 5"})
    text = vcard_text(edited, uid="ignored", marker="003Y", existing=OTHER_CLIENT)
    for kept in ("NICKNAME:KH", "PHOTO", "+47 999 99 999", "TEL;TYPE=PAGER:+47 1", "UID:abc"):
        assert kept in text
    assert "N:Hansen;Kari;Marie;;" in text and "ORG:Fjord AS;Buying;Nordic" in text
    assert contact_from_vcard(text) == (edited, "003Y")


def test_an_event_series_round_trips_through_icalendar() -> None:
    event = Event.normalized(
        subject="Review, 1; x", start=datetime(2026, 5, 4, 9, tzinfo=UTC),
        end=datetime(2026, 5, 4, 10, tzinfo=UTC), time_zone="Europe/Oslo", location="Room 1",
        description="Agenda\nx", show_as="tentative", private=True,
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=MO", "exdates": [datetime(2026, 5, 11, 9, tzinfo=UTC)]},
        attendees=[{"email": "B@x.com", "name": "Bo", "response": "accepted"}],
    )  # fmt: skip
    text = ical_text(event, uid="u1", marker="00U", existing=None, invitations=False)
    assert "DTSTART;TZID=Europe/Oslo:20260504T110000" in text
    assert "SCHEDULE-AGENT=CLIENT" in text
    assert event_from_ical(text) == (event, "00U")


def test_an_all_day_event_round_trips_as_dates() -> None:
    event = Event.normalized(
        subject="Off", start=date(2026, 5, 4), end=date(2026, 5, 6), all_day=True
    )
    text = ical_text(event, uid="u2", marker=None, existing=None, invitations=True)
    assert "DTSTART;VALUE=DATE:20260504" in text
    assert event_from_ical(text) == (event, None)


SERIES_WITH_OVERRIDE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:s1\r\n"
    "DTSTART:20260504T090000Z\r\nDTEND:20260504T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\n"
    "SUMMARY:Stand-up\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s1\r\n"
    "RECURRENCE-ID:20260506T090000Z\r\nDTSTART:20260506T130000Z\r\nDTEND:20260506T140000Z\r\n"
    "SUMMARY:Stand-up (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_a_moved_occurrence_is_read_as_an_override_and_kept_when_the_series_is_written() -> None:
    series, _ = event_from_ical(SERIES_WITH_OVERRIDE)
    assert series.subject == "Stand-up" and series.recurrence is not None
    (moved,) = overrides(SERIES_WITH_OVERRIDE)
    assert moved.recurrence_id == datetime(2026, 5, 6, 9, tzinfo=UTC)
    assert moved.event.start == datetime(2026, 5, 6, 13, tzinfo=UTC)
    renamed = Event.normalized(**{**series.__dict__, "subject": "Daily"})
    text = ical_text(
        renamed, uid="s1", marker=None, existing=SERIES_WITH_OVERRIDE, invitations=True
    )
    assert event_from_ical(text)[0].subject == "Daily"
    assert [o.event.subject for o in overrides(text)] == ["Stand-up (moved)"]


def test_a_series_reads_as_its_master_with_the_moved_start_as_an_exdate_and_the_occurrence() -> (
    None
):
    from connections.providers.caldav.convert_events import cancel_occurrence, events_from_ical

    (key0, master, _), (key1, moved, _) = events_from_ical(SERIES_WITH_OVERRIDE)
    assert (key0, key1) == (None, "20260506T090000Z")
    assert master.recurrence is not None
    assert master.recurrence.exdates == (datetime(2026, 5, 6, 9, tzinfo=UTC),)
    assert moved.subject == "Stand-up (moved)"
    cancelled = cancel_occurrence(SERIES_WITH_OVERRIDE, "20260506T090000Z")
    assert [k for k, _, _ in events_from_ical(cancelled)] == [None]
    assert "EXDATE:20260506T090000Z" in cancelled


def test_a_new_override_is_a_vevent_of_the_series_at_its_original_start() -> None:
    later = datetime(2026, 5, 7, 15, tzinfo=UTC)
    record = Event.normalized(subject="Late", start=later, end=later + timedelta(hours=1))
    text = add_override(SERIES_WITH_OVERRIDE, datetime(2026, 5, 7, 9, tzinfo=UTC), record,
                        invitations=True)  # fmt: skip
    assert [(o.recurrence_id, o.event.subject, o.event.start) for o in overrides(text)] == [
        (datetime(2026, 5, 6, 9, tzinfo=UTC), "Stand-up (moved)", datetime(2026, 5, 6, 13, tzinfo=UTC)),
        (datetime(2026, 5, 7, 9, tzinfo=UTC), "Late", later),
    ]  # fmt: skip
    assert event_from_ical(text)[0].subject == "Stand-up" and "UID:s1" in text


def test_an_override_is_refused_where_the_series_has_no_plain_occurrence() -> None:
    record = Event.normalized(subject="x", start=datetime(2026, 5, 1, tzinfo=UTC))
    for start in (datetime(2026, 5, 6, 9, tzinfo=UTC), datetime(2026, 5, 9, 9, tzinfo=UTC)):
        with pytest.raises(KeyError):
            add_override(SERIES_WITH_OVERRIDE, start, record, invitations=True)


def test_an_all_day_series_is_overridden_by_date() -> None:
    series = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:d1\r\n"
        "DTSTART;VALUE=DATE:20260504\r\nDTEND;VALUE=DATE:20260505\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
        "SUMMARY:Offsite\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    record = Event.normalized(subject="Offsite (moved)", start=date(2026, 5, 8), all_day=True)
    text = add_override(series, datetime(2026, 5, 5, tzinfo=UTC), record, invitations=True)
    assert "RECURRENCE-ID;VALUE=DATE:20260505" in text
    (moved,) = overrides(text)
    assert moved.recurrence_id == datetime(2026, 5, 5, tzinfo=UTC)
    assert moved.event.start == datetime(2026, 5, 8, tzinfo=UTC)
