"""Pure planning of an event's EventRelation rows: invitees that mirror the attendees, and,
with auto-relate in an org with Shared Activities, the contacts and lead the event is related
to (its Name). No I/O: the event store reads the rows and writes the plan.

Facts this follows (Salesforce object reference, EventRelation and EventWhoRelation):

- Without Shared Activities an event names one contact or lead (WhoId) and EventRelation rows
  are invitees only; the IsParent field does not exist there, so it is never written.
- With Shared Activities an event is related to up to 50 contacts or one lead, as rows with
  IsParent = true; WhoId is the primary one. One person is one row: a contact who is an invitee
  and related has one row with IsInvitee and IsParent both true.

Whose relation is it: lsync relates attendees only, and an attendee found in Salesforce is
always an invitee, so **lsync's relations are the IsParent flags of invitee rows**. A relation
row that is no invitee (IsParent true, IsInvitee false) was added in Salesforce by hand (the
Name field): lsync never changes or deletes it, and counts it against the 50. When such a
person becomes an attendee, their row is made an invitee (one person, one row) and from then
on it is an attendee's row like any other: removing the attendee removes the row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connections.providers.salesforce.convert import STATUS_TO_SF
from syncengine.records import Attendee

MAX_RELATED_CONTACTS = 50
# Salesforce's fixed key prefixes of the standard objects a relation can point at.
PREFIX_OBJECTS = {"003": "Contact", "00Q": "Lead", "005": "User"}


@dataclass(frozen=True)
class Person:
    """What an attendee's e-mail was found as in Salesforce."""

    obj: str  # Contact, Lead or User
    id: str
    account: str = ""  # a contact's AccountId


@dataclass(frozen=True)
class Row:
    """An EventRelation row of the event, as read."""

    id: str
    relation_id: str
    email: str
    invitee: bool
    parent: bool
    status: str = "New"

    @classmethod
    def from_api(cls, row: Mapping[str, Any]) -> Row:
        who = row.get("Relation") or {}
        return cls(
            id=str(row["Id"]),
            relation_id=str(row["RelationId"]),
            email=str(who.get("Email") or "").strip().lower(),
            invitee=bool(row.get("IsInvitee", True)),
            parent=bool(row.get("IsParent", False)),
            status=str(row.get("Status") or "New"),
        )

    @property
    def obj(self) -> str:
        return PREFIX_OBJECTS.get(self.relation_id[:3], "")


@dataclass
class RowPlan:
    """What to write for one or more events: deletes, then updates (relations undone first,
    so a lead makes room for contacts), then creates."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)

    def extend(self, other: RowPlan) -> None:
        self.creates += other.creates
        self.updates += other.updates
        self.deletes += other.deletes


def relate_fields(emails: Iterable[str], found: Mapping[str, Person]) -> dict[str, str]:
    """Auto-relate on create: Name (WhoId) is the first attendee found as a contact, else the
    first found as a lead; Related To (WhatId) is that contact's account. Users and unknown
    e-mails relate to nothing (they stay invitees only)."""
    emails = list(emails)
    for wanted in ("Contact", "Lead"):
        for email in emails:
            person = found.get(email)
            if person is not None and person.obj == wanted:
                return {
                    "WhoId": person.id,
                    **({"WhatId": person.account} if person.account else {}),
                }
    return {}


def related_people(
    emails: Iterable[str], found: Mapping[str, Person], by_hand: Sequence[Row]
) -> list[str]:
    """With Shared Activities: the ids auto-relate relates, in attendee order: every attendee
    found as a contact (at most 50 with those related by hand), else the first found as a
    lead. Nothing when the relations made by hand leave no room: a lead related by hand
    admits nobody else, and contacts related by hand admit no lead."""
    if any(r.obj == "Lead" for r in by_hand):
        return []
    people = [found[e] for e in dict.fromkeys(emails) if e in found]
    contacts = list(dict.fromkeys(p.id for p in people if p.obj == "Contact"))
    hand = {r.relation_id for r in by_hand} - set(contacts)
    if contacts:
        return contacts[: max(0, MAX_RELATED_CONTACTS - len(hand))]
    if hand:
        return []
    return [p.id for p in people if p.obj == "Lead"][:1]


def plan_rows(
    event_id: str,
    attendees: Sequence[Attendee],
    found: Mapping[str, Person],
    rows: Sequence[Row],
    relate: bool,
) -> RowPlan:
    """The writes that make the event's rows mirror its attendees. `relate`: auto-relate is on
    and the org has Shared Activities; then lsync's relations (IsParent of invitee rows) follow
    `related_people`. Off, IsParent is neither read nor written."""
    plan = RowPlan()
    want = {a.email: a for a in attendees if a.email in found}
    have: dict[str, Row] = {}
    for row in rows:
        have.setdefault(row.email, row)
    by_hand = [r for r in rows if r.parent and not r.invitee]
    parents = set(related_people(want, found, by_hand)) if relate else set()
    undo: list[dict[str, Any]] = []
    for email, row in have.items():
        attendee = want.get(email)
        if not row.invitee:
            if attendee is not None:  # related by hand, now an attendee too: one row
                status = STATUS_TO_SF[attendee.response]
                plan.updates.append(_update(row.id, IsInvitee=True, Status=status))
            continue
        if attendee is None:
            plan.deletes.append(row.id)
            continue
        fields: dict[str, Any] = {}
        if STATUS_TO_SF[attendee.response] != row.status:
            fields["Status"] = STATUS_TO_SF[attendee.response]
        if relate and row.parent != (row.relation_id in parents):
            fields["IsParent"] = row.relation_id in parents
        if fields:
            (undo if fields.get("IsParent") is False else plan.updates).append(
                _update(row.id, **fields)
            )
    plan.updates = undo + plan.updates
    for email, attendee in want.items():
        if email in have:
            continue
        person = found[email]
        body: dict[str, Any] = {
            "attributes": {"type": "EventRelation"},
            "EventId": event_id,
            "RelationId": person.id,
            "IsInvitee": True,
            "Status": STATUS_TO_SF[attendee.response],
        }
        if person.id in parents:
            body["IsParent"] = True
        plan.creates.append(body)
    return plan


def _update(row_id: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "EventRelation"}, "id": row_id, **fields}
