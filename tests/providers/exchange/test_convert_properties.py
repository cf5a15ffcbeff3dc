"""Property tests: for any record, what Exchange keeps (`canonical`) survives a write and a read
unchanged, keeping it twice changes nothing, and only the documented fields are lost."""

from __future__ import annotations

from dataclasses import replace

from exchangelib import CalendarItem
from exchangelib import Contact as EwsContact
from hypothesis import given, settings

from connections.providers.exchange.convert import (
    canonical_contact,
    canonical_event,
    contact_from_ews,
    event_from_ews,
    fill_contact,
    fill_event,
    kept_zone,
    xml_safe,
)
from syncengine.records import Contact, Event
from tests.providers.microsoft.test_convert_properties import contacts, events


@settings(max_examples=200, deadline=None)
@given(contacts())
def test_what_exchange_keeps_of_a_contact_survives_a_round_trip(c: Contact) -> None:
    kept = canonical_contact(c)
    assert canonical_contact(kept) == kept
    assert contact_from_ews(fill_contact(EwsContact(), kept)) == kept


@settings(max_examples=300, deadline=None)
@given(contacts())
def test_exchange_keeps_every_contact_field_but_a_fourth_email(c: Contact) -> None:
    """... and characters XML cannot carry."""
    assert canonical_contact(c) == xml_safe(replace(c, emails=c.emails[:3])).normalize()


@settings(max_examples=200, deadline=None)
@given(events())
def test_what_exchange_keeps_of_an_event_survives_a_round_trip(e: Event) -> None:
    kept = canonical_event(e)
    assert canonical_event(kept) == kept
    assert event_from_ews(fill_event(CalendarItem(), kept)) == kept


@settings(max_examples=300, deadline=None)
@given(events())
def test_exchange_keeps_every_event_field_but_the_zones_windows_merges(e: Event) -> None:
    """Recurrence rules may come back spelled out (BYDAY=...): equal in meaning, tested in
    test_convert; everything else comes back exactly, the zone as Windows names it."""
    single = replace(e, recurrence=None)
    expected = replace(xml_safe(single), time_zone=kept_zone(e.time_zone)).normalize()
    assert canonical_event(single) == expected
