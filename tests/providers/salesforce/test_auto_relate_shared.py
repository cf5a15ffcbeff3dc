"""Issue 11 item 4 in an org with Shared Activities, against the emulator: auto-relate relates
an event from the mailbox to every attendee found as a contact (else the first lead), keeps the
relations in step with the attendees, and leaves relations made by hand in Salesforce alone.
Without the setting, Name is the first match only (test_auto_relate.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connections.providers.salesforce.stores.events import EventStore
from syncengine.records import Event
from syncengine.stores.base import Create, Update
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def meeting(*attendees: str) -> Event:
    return Event.normalized(
        subject="Kick-off", start=NOW, end=NOW + timedelta(hours=1), attendees=attendees
    )


def related(org: Org, event_id: str) -> list[str]:
    """The event's Name relations, as EventWhoRelation lists them (oldest first)."""
    rows = org.emulator.store.shared.who_rows(False)
    return [
        r["RelationId"] for r in sorted(rows, key=lambda r: r["Id"]) if r["EventId"] == event_id
    ]


def rows_of(org: Org, event_id: str) -> dict[str, tuple[bool, bool]]:
    return {
        r["RelationId"]: (r["IsInvitee"], r["IsParent"])
        for r in org.emulator.store.live("EventRelation")
        if r["EventId"] == event_id
    }


@pytest.fixture
def people(org: Org) -> dict[str, str]:
    org.emulator.shared_activities = True
    acme = org.add("Account", {"Name": "Acme"})
    out = {"acme": acme}
    for name, email in (("Ali", "ali@acme.test"), ("Bea", "bea@acme.test"),
                        ("Cid", "cid@acme.test"), ("Dag", "dag@acme.test")):  # fmt: skip
        out[name] = org.add("Contact", {"LastName": name, "Email": email, "AccountId": acme})
    out["Lin"] = org.add("Lead", {"LastName": "Lin", "Company": "P", "Email": "lin@lead.test"})
    out["Cy"] = org.make_user("cy@example.com").salesforce_user_id
    return out


def create(store: EventStore, record: Event) -> str:
    (result,) = store.apply([Create("m", record)])
    assert result.ok, result
    return result.id or ""


def test_every_contact_attendee_is_related_and_the_first_is_the_name(
    org: Org, people: dict[str, str]
) -> None:
    store = org.events(events_auto_relate=True)
    event_id = create(store, meeting("bea@acme.test", "ali@acme.test", "lin@lead.test",
                                     "cy@example.com"))  # fmt: skip
    row = org.emulator.record(event_id)
    assert row is not None
    assert (row["WhoId"], row["WhatId"], row["WhoCount"]) == (people["Ali"], people["acme"], 2)
    assert related(org, event_id) == [people["Ali"], people["Bea"]]
    # One row per person: the related contacts are invitees too; the lead and user only invitees.
    assert rows_of(org, event_id) == {
        people["Ali"]: (True, True), people["Bea"]: (True, True),
        people["Lin"]: (True, False), people["Cy"]: (True, False),
    }  # fmt: skip
    (item,) = store.get([event_id]).values()
    assert [a.email for a in item.record.attendees] == [
        "ali@acme.test", "bea@acme.test", "cy@example.com", "lin@lead.test",
    ]  # fmt: skip
    assert not store.unresolved


def test_relations_follow_the_attendees_and_a_relation_made_by_hand_stays(
    org: Org, people: dict[str, str]
) -> None:
    store = org.events(events_auto_relate=True)
    event_id = create(store, meeting("ali@acme.test", "bea@acme.test"))
    # In Salesforce the user relates Dag by hand (the Name field): no invitee.
    org.add("EventRelation", {"EventId": event_id, "RelationId": people["Dag"],
                              "IsParent": True, "IsInvitee": False})  # fmt: skip
    # In the mailbox Ali leaves and Cid joins.
    changed = meeting("bea@acme.test", "cid@acme.test")
    store = org.events(events_auto_relate=True)
    (result,) = store.apply([Update(event_id, changed, fields=frozenset({"attendees"}))])
    assert result.ok, result
    assert sorted(related(org, event_id)) == sorted([people["Bea"], people["Dag"], people["Cid"]])
    assert rows_of(org, event_id)[people["Dag"]] == (False, True)
    row = org.emulator.record(event_id)
    # Salesforce promoted the next relation when Ali's went; lsync does not pick the Name again.
    assert row is not None and row["WhoId"] == people["Bea"] and row["WhoCount"] == 3


def test_a_contact_joining_takes_the_place_of_the_related_lead(
    org: Org, people: dict[str, str]
) -> None:
    store = org.events(events_auto_relate=True)
    event_id = create(store, meeting("lin@lead.test"))
    assert related(org, event_id) == [people["Lin"]]
    store = org.events(events_auto_relate=True)
    changed = meeting("lin@lead.test", "ali@acme.test")
    (result,) = store.apply([Update(event_id, changed, fields=frozenset({"attendees"}))])
    assert result.ok and not store.unresolved, store.unresolved
    assert related(org, event_id) == [people["Ali"]]
    assert rows_of(org, event_id)[people["Lin"]] == (True, False)


def test_a_person_related_by_hand_who_is_invited_in_the_mailbox_has_one_row(
    org: Org, people: dict[str, str]
) -> None:
    store = org.events(events_auto_relate=True)
    event_id = create(store, meeting("ali@acme.test"))
    org.add("EventRelation", {"EventId": event_id, "RelationId": people["Bea"],
                              "IsParent": True, "IsInvitee": False})  # fmt: skip
    store = org.events(events_auto_relate=True)
    changed = meeting("ali@acme.test", "bea@acme.test")
    (result,) = store.apply([Update(event_id, changed, fields=frozenset({"attendees"}))])
    assert result.ok and not store.unresolved, store.unresolved
    assert rows_of(org, event_id)[people["Bea"]] == (True, True)
    assert related(org, event_id) == [people["Ali"], people["Bea"]]


def test_off_nothing_is_related_and_invitees_still_mirror_attendees(
    org: Org, people: dict[str, str]
) -> None:
    store = org.events(events_auto_relate=False)
    event_id = create(store, meeting("ali@acme.test", "bea@acme.test"))
    row = org.emulator.record(event_id)
    assert row is not None and not row["WhoId"] and not row["WhatId"] and row["WhoCount"] == 0
    assert related(org, event_id) == []
    assert rows_of(org, event_id) == {people["Ali"]: (True, False), people["Bea"]: (True, False)}


def test_the_org_is_asked_once_whether_it_has_shared_activities(
    org: Org, people: dict[str, str]
) -> None:
    first = org.events(events_auto_relate=True)
    assert first.shared_activities()
    second = org.events(events_auto_relate=True)
    before = second.api_calls
    assert second.shared_activities() and second.api_calls == before


def test_without_shared_activities_the_name_is_the_first_match_only(org: Org) -> None:
    ali = org.add("Contact", {"LastName": "Ali", "Email": "ali@acme.test"})
    org.add("Contact", {"LastName": "Bea", "Email": "bea@acme.test"})
    store = org.events(events_auto_relate=True)
    assert not store.shared_activities()
    event_id = create(store, meeting("ali@acme.test", "bea@acme.test"))
    row = org.emulator.record(event_id)
    assert row is not None and row["WhoId"] == ali and not store.unresolved
    assert all(not r["IsParent"] for r in org.emulator.store.live("EventRelation"))
