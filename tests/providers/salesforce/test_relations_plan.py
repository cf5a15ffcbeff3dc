"""The pure planning of an event's EventRelation rows (relations.py): invitees mirror the
attendees; with auto-relate and Shared Activities, lsync relates every attendee found as a
contact (or the first lead) through the IsParent flag of their invitee row, and never changes
a relation made by hand in Salesforce (a row that is no invitee)."""

from __future__ import annotations

from typing import Any

from connections.providers.salesforce.relations import (
    MAX_RELATED_CONTACTS,
    Person,
    Row,
    plan_rows,
    relate_fields,
    related_people,
)
from syncengine.records import Attendee

EVENT = "00U000000000001AAA"
ANN, BEN, CAT = "003000000000001AAA", "003000000000002AAA", "003000000000003AAA"
LEA, USR = "00Q000000000001AAA", "005000000000001AAA"
FOUND = {
    "ann@acme.test": Person("Contact", ANN, "001000000000001AAA"),
    "ben@acme.test": Person("Contact", BEN),
    "cat@acme.test": Person("Contact", CAT),
    "lea@lead.test": Person("Lead", LEA),
    "usr@us.test": Person("User", USR),
}


def attendees(*emails: str, response: str = "none") -> list[Attendee]:
    return [Attendee.normalized(e, "", response) for e in emails]


def row(person: str, email: str, *, invitee: bool = True, parent: bool = False, **kw: Any) -> Row:
    return Row(f"0RE{person[3:]}", person, email, invitee, parent, **kw)


def created(plan: Any) -> list[tuple[str, bool]]:
    return [(c["RelationId"], c.get("IsParent", False)) for c in plan.creates]


def test_without_shared_activities_rows_are_invitees_and_is_parent_is_never_named() -> None:
    plan = plan_rows(EVENT, attendees("ann@acme.test", "usr@us.test", "x@nowhere.test"), FOUND,
                     [], relate=False)  # fmt: skip
    assert created(plan) == [(ANN, False), (USR, False)]
    assert all("IsParent" not in c for c in plan.creates)
    assert all(c["IsInvitee"] is True and c["EventId"] == EVENT for c in plan.creates)


def test_with_shared_activities_every_contact_attendee_is_related() -> None:
    emails = ("ann@acme.test", "ben@acme.test", "lea@lead.test", "usr@us.test")
    plan = plan_rows(EVENT, attendees(*emails), FOUND, [], relate=True)
    assert created(plan) == [(ANN, True), (BEN, True), (LEA, False), (USR, False)]


def test_the_first_lead_is_related_when_no_attendee_is_a_contact() -> None:
    plan = plan_rows(EVENT, attendees("lea@lead.test", "usr@us.test"), FOUND, [], relate=True)
    assert created(plan) == [(LEA, True), (USR, False)]


def test_a_removed_attendee_loses_its_row_and_with_it_its_relation() -> None:
    rows = [row(ANN, "ann@acme.test", parent=True), row(BEN, "ben@acme.test", parent=True)]
    plan = plan_rows(EVENT, attendees("ann@acme.test"), FOUND, rows, relate=True)
    assert plan.deletes == [rows[1].id] and not plan.updates and not plan.creates


def test_a_contact_joining_undoes_the_leads_relation_before_relating_the_contact() -> None:
    rows = [row(LEA, "lea@lead.test", parent=True)]
    plan = plan_rows(EVENT, attendees("lea@lead.test", "ben@acme.test"), FOUND, rows, True)
    assert plan.updates == [{"attributes": {"type": "EventRelation"}, "id": rows[0].id,
                             "IsParent": False}]  # fmt: skip
    assert created(plan) == [(BEN, True)]


def test_an_invitee_row_gets_its_relation_and_answer_in_one_update() -> None:
    rows = [row(ANN, "ann@acme.test", status="New")]
    plan = plan_rows(EVENT, attendees("ann@acme.test", response="accepted"), FOUND, rows, True)
    assert plan.updates == [{"attributes": {"type": "EventRelation"}, "id": rows[0].id,
                             "Status": "Accepted", "IsParent": True}]  # fmt: skip


def test_rows_in_step_need_no_write() -> None:
    rows = [row(ANN, "ann@acme.test", parent=True), row(USR, "usr@us.test")]
    plan = plan_rows(EVENT, attendees("ann@acme.test", "usr@us.test"), FOUND, rows, True)
    assert (plan.creates, plan.updates, plan.deletes) == ([], [], [])


def test_a_relation_made_by_hand_is_never_changed_or_deleted() -> None:
    by_hand = row(CAT, "cat@acme.test", invitee=False, parent=True)
    plan = plan_rows(EVENT, attendees("ann@acme.test"), FOUND, [by_hand], relate=True)
    assert created(plan) == [(ANN, True)] and not plan.updates and not plan.deletes
    plan = plan_rows(EVENT, attendees("ann@acme.test"), FOUND, [by_hand], relate=False)
    assert not plan.updates and not plan.deletes


def test_a_person_related_by_hand_who_becomes_an_attendee_keeps_one_row() -> None:
    by_hand = row(ANN, "ann@acme.test", invitee=False, parent=True)
    plan = plan_rows(EVENT, attendees("ann@acme.test"), FOUND, [by_hand], relate=True)
    assert not plan.creates
    assert plan.updates == [{"attributes": {"type": "EventRelation"}, "id": by_hand.id,
                             "IsInvitee": True, "Status": "New"}]  # fmt: skip


def test_auto_relate_off_leaves_the_relations_of_invitee_rows_alone() -> None:
    rows = [row(ANN, "ann@acme.test", parent=True), row(BEN, "ben@acme.test")]
    plan = plan_rows(EVENT, attendees("ann@acme.test", "ben@acme.test"), FOUND, rows, False)
    assert (plan.creates, plan.updates, plan.deletes) == ([], [], [])


def test_related_people_stop_at_fifty_contacts_counting_those_related_by_hand() -> None:
    found = {f"c{n}@acme.test": Person("Contact", f"003{n:012d}AAA") for n in range(60)}
    by_hand = [row(f"003{900 + n:012d}AAA", "", invitee=False, parent=True) for n in range(5)]
    people = related_people(sorted(found), found, by_hand)
    assert len(people) == MAX_RELATED_CONTACTS - 5
    assert people == [found[e].id for e in sorted(found)][: MAX_RELATED_CONTACTS - 5]


def test_a_lead_related_by_hand_admits_nobody_and_contacts_by_hand_admit_no_lead() -> None:
    lead_by_hand = [row(LEA, "lea@lead.test", invitee=False, parent=True)]
    assert related_people(["ann@acme.test"], FOUND, lead_by_hand) == []
    contact_by_hand = [row(CAT, "cat@acme.test", invitee=False, parent=True)]
    assert related_people(["lea@lead.test"], FOUND, contact_by_hand) == []
    assert related_people(["ann@acme.test"], FOUND, contact_by_hand) == [ANN]


def test_name_and_related_to_on_create_are_the_first_contact_and_its_account() -> None:
    emails = ["lea@lead.test", "ben@acme.test", "ann@acme.test"]
    assert relate_fields(emails, FOUND) == {"WhoId": BEN}
    assert relate_fields(sorted(emails), FOUND) == {"WhoId": ANN, "WhatId": "001000000000001AAA"}
    assert relate_fields(["lea@lead.test", "usr@us.test"], FOUND) == {"WhoId": LEA}
    assert relate_fields(["usr@us.test", "x@nowhere.test"], FOUND) == {}


def test_a_row_read_from_the_api_knows_its_person_and_flags() -> None:
    api = {"Id": "0RE1", "RelationId": LEA, "Relation": {"Email": "Lea@Lead.test"},
           "IsInvitee": False, "IsParent": True, "Status": None}  # fmt: skip
    parsed = Row.from_api(api)
    assert (parsed.email, parsed.obj, parsed.invitee, parsed.parent, parsed.status) == (
        "lea@lead.test",
        "Lead",
        False,
        True,
        "New",
    )
    # Without Shared Activities the flags are not read: every row is an invitee.
    plain = Row.from_api({"Id": "0RE2", "RelationId": ANN, "Relation": None})
    assert (plain.invitee, plain.parent, plain.email) == (True, False, "")
