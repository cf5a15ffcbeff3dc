"""The Salesforce event store against the emulator: window, series, all-day, invitees."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from syncengine.records import Attendee, Event
from syncengine.stores.base import Create, Rejected, Update
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def timed(subject: str, start: datetime, **fields: object) -> dict[str, object]:
    return {
        "Subject": subject,
        "StartDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "EndDateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **fields,
    }


def test_it_lists_the_users_events_in_the_configured_window(org: Org) -> None:
    recent = org.add("Event", timed("Recent", NOW - timedelta(days=3)))
    org.add("Event", timed("Old", NOW - timedelta(days=40)))
    org.add("Event", timed("Far", NOW + timedelta(days=400)))
    series = org.add(
        "Event",
        timed("Weekly since long", NOW - timedelta(days=100), IsRecurrence2=True,
              Recurrence2PatternText="RRULE:FREQ=WEEKLY;INTERVAL=1"),
    )  # fmt: skip
    org.add(
        "Event", timed("Theirs", NOW), as_user=org.make_user("bo@example.com").salesforce_user_id
    )
    store = org.events(events_days_past=30, events_days_future=365)
    assert {it.id for it in store.changes(None).changed} == {recent, series}


def test_private_events_and_series_are_listed_for_the_planner_to_decide(org: Org) -> None:
    private = org.add("Event", timed("Doctor", NOW, IsPrivate=True))
    (item,) = org.events(events_sync_private=False).changes(None).changed
    assert item.id == private and item.record.private


def test_single_events_carry_the_owners_zone_and_series_their_own(org: Org) -> None:
    store = org.events()
    series = Event.normalized(
        subject="Stand-up",
        start=NOW,
        end=NOW + timedelta(minutes=15),
        time_zone="America/New_York",
        recurrence="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=20",
    )
    single = Event.normalized(subject="One", start=NOW, end=NOW + timedelta(hours=1))
    results = store.apply([Create("a", series), Create("b", single)])
    assert all(r.ok for r in results)
    got = store.get([r.id or "" for r in results])
    assert got[results[0].id or ""].record == store.canonical(series) == series
    assert got[results[1].id or ""].record.time_zone == "Europe/Oslo"
    row = org.emulator.record(results[0].id or "")
    assert row is not None and row["Recurrence2PatternText"].startswith("RRULE:FREQ=WEEKLY")


def test_an_all_day_event_keeps_its_days(org: Org) -> None:
    store = org.events()
    record = Event.normalized(
        subject="Fair", start=date(2026, 6, 1), end=date(2026, 6, 4), all_day=True
    )
    (result,) = store.apply([Create("a", record)])
    (item,) = store.get([result.id or ""]).values()
    assert item.record.all_day and item.record == store.canonical(record)
    assert item.version == result.version


def test_a_rule_salesforce_cannot_hold_fails_alone_without_a_call(org: Org) -> None:
    store = org.events()
    record = Event.normalized(subject="S", start=NOW, end=NOW, recurrence="FREQ=HOURLY;COUNT=3")
    before = store.api_calls
    (result,) = store.apply([Create("a", record)])
    assert not result.ok and isinstance(result.error, Rejected)
    assert "hourly" in result.error.message and store.api_calls == before


def test_attendees_become_invitees_when_salesforce_knows_them(org: Org) -> None:
    org.add("Contact", {"FirstName": "Bo", "LastName": "Berg", "Email": "bo@example.com"})
    colleague = org.make_user("cy@example.com", first_name="Cy", last_name="Dahl")
    store = org.events()
    record = Event.normalized(
        subject="Kick-off",
        start=NOW,
        end=NOW + timedelta(hours=1),
        attendees=[
            Attendee.normalized("BO@example.com", "Bo (Acme)", "accepted"),
            Attendee.normalized("cy@example.com", "", "tentative"),
            Attendee.normalized("stranger@example.org", "Stranger"),
        ],
    )
    (result,) = store.apply([Create("k", record)])
    assert result.ok and result.id
    (item,) = store.get([result.id]).values()
    assert item.record.attendees == (
        Attendee("bo@example.com", "Bo Berg", "accepted"),
        Attendee("cy@example.com", "Cy Dahl", "tentative"),
    )
    assert item.record == store.canonical(record) and item.version == result.version
    assert store.unresolved == [
        (result.id, "Attendee stranger@example.org is no Salesforce contact, lead or user")
    ]
    assert colleague.salesforce_user_id


def test_changing_attendees_adds_removes_and_updates_invitees(org: Org) -> None:
    for name in ("bo", "cy", "di"):
        org.add("Contact", {"LastName": name.title(), "Email": f"{name}@example.com"})
    store = org.events()
    start = {"subject": "Review", "start": NOW, "end": NOW + timedelta(hours=1)}
    first = Event.normalized(**start, attendees=["bo@example.com", "cy@example.com"])
    (created,) = store.apply([Create("r", first)])
    event_id = created.id or ""
    second = Event.normalized(
        **start,
        attendees=[Attendee.normalized("cy@example.com", response="declined"), "di@example.com"],
    )
    (updated,) = store.apply([Update(event_id, second)])
    assert updated.ok
    (item,) = store.get([event_id]).values()
    assert [(a.email, a.response) for a in item.record.attendees] == [
        ("cy@example.com", "declined"),
        ("di@example.com", "none"),
    ]
    # Naming the attendees field merges as the engine does: known responses are kept; the event
    # row itself is not written.
    stamp = org.emulator.record(event_id)["SystemModstamp"]  # type: ignore[index]
    org.emulator.clock.advance(5)  # a write now would move the stamp
    third = Event.normalized(**start, attendees=["cy@example.com", "bo@example.com"])
    (updated,) = store.apply([Update(event_id, third, fields=frozenset({"attendees"}))])
    assert updated.ok and org.emulator.record(event_id)["SystemModstamp"] == stamp  # type: ignore[index]
    (item,) = store.get([event_id]).values()
    assert [(a.email, a.response) for a in item.record.attendees] == [
        ("bo@example.com", "none"),
        ("cy@example.com", "declined"),
    ]


def test_a_subject_only_update_leaves_the_invitees_alone(org: Org) -> None:
    org.add("Contact", {"LastName": "Bo", "Email": "bo@example.com"})
    store = org.events()
    record = Event.normalized(subject="A", start=NOW, end=NOW, attendees=["bo@example.com"])
    (created,) = store.apply([Create("r", record)])
    before = store.relations([created.id or ""])
    renamed = Event.normalized(subject="B", start=NOW, end=NOW)
    (updated,) = store.apply([Update(created.id or "", renamed, fields=frozenset({"subject"}))])
    assert updated.ok and store.relations([created.id or ""]) == before
    (item,) = store.get([created.id or ""]).values()
    assert item.record.subject == "B" and [a.email for a in item.record.attendees] == [
        "bo@example.com"
    ]


def test_find_links_an_event_by_subject_start_and_end(org: Org) -> None:
    event_id = org.add("Event", timed("Lunch", NOW))
    key = ("slot", "lunch", NOW.isoformat(), (NOW + timedelta(hours=1)).isoformat())
    assert org.events().find([key]) == {key: event_id}
    assert org.events().find([("slot", "dinner", key[2], key[3])]) == {}


def test_every_event_field_survives_a_write_and_a_read(org: Org) -> None:
    from tests.providers.salesforce.test_convert import ALL_DAY_SERIES, SERIES, TIMED

    for name in ("bo", "cy", "di", "ed"):
        org.add("Contact", {"LastName": name.title(), "Email": f"{name}@example.com"})
    store = org.events()
    records = [TIMED, SERIES, ALL_DAY_SERIES]
    results = store.apply([Create(f"r{i}", r) for i, r in enumerate(records)])
    got = store.get([r.id or "" for r in results])
    for record, result in zip(records, results, strict=True):
        item = got[result.id or ""]
        assert item.record == store.canonical(record)
        assert item.version == result.version
