"""Shared Activities, an org setting (`OrgStore.shared_activities`, off by default): an event
can be related to up to 50 contacts or one lead, as EventRelation rows with IsParent = true.

What changes when it is on (object reference, EventRelation and EventWhoRelation):

- EventRelation has the fields IsParent, IsWhat and AccountId, and Event has WhoCount; without
  Shared Activities they do not exist (describe leaves them out, a query or write naming them
  gets INVALID_FIELD), as the field reference of an org without it shows.
- The EventWhoRelation object (read-only: describe, query, retrieve) lists the rows with
  IsParent = true and IsWhat = false, with Type (Contact or Lead) and the contact's AccountId.
  Without Shared Activities a query of it gets INVALID_TYPE.
- One person is one row: a contact who is both an invitee and related has one row with
  IsInvitee and IsParent true. A row that names neither IsInvitee nor IsParent is an invitee.
- Event.WhoId is the primary relation: setting it relates that person (its row gets
  IsParent = true, or is created with IsInvitee = false) and un-relates the previous primary; a
  related row added to an event with no WhoId becomes it; when the primary's row goes (deleted,
  or IsParent set false), the oldest remaining relation is promoted, else WhoId is cleared.
  WhoCount counts the relations.

Simplified, and unverified wording (marked in README): the error codes and messages of the
50-contact / one-lead rule, of a duplicate person and of IsWhat writes; relations to accounts
and other records (IsWhat) are not modelled: WhatId stays a field only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import ids
from sandbox.salesforce.errors import RecordError, SfError

if TYPE_CHECKING:
    from sandbox.salesforce.store import Actor, OrgStore

MAX_CONTACTS = 50
ONLY_WITH_SHARED = {"EventRelation": {"IsParent", "IsWhat", "AccountId"}, "Event": {"WhoCount"}}
DERIVED_OBJECTS = frozenset({"EventWhoRelation"})
TOO_MANY = "An event can be related to up to 50 contacts or one lead"


def hidden_object(store: OrgStore, obj: str) -> bool:
    return obj in DERIVED_OBJECTS and not store.shared_activities


def hidden_field(store: OrgStore, obj: str, name: str) -> bool:
    return not store.shared_activities and name in ONLY_WITH_SHARED.get(obj, ())


def no_such_column(obj: str, name: str) -> SfError:
    return SfError("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj}")


def _integrity(message: str, fields: list[str]) -> RecordError:
    return RecordError("FIELD_INTEGRITY_EXCEPTION", message, 400, fields)


class SharedActivities:
    """The rules above, run by OrgStore around its EventRelation and Event writes."""

    def __init__(self, store: OrgStore) -> None:
        self.store = store

    def rows(self, event_id: str) -> Iterator[dict[str, Any]]:
        return (r for r in self.store.live("EventRelation") if r["EventId"] == event_id)

    def whos(self, event_id: str, but: str = "") -> list[dict[str, Any]]:
        """The event's relations to contacts and leads, oldest first (ids grow)."""
        found = [r for r in self.rows(event_id) if r["IsParent"] and not r["IsWhat"]]
        return sorted((r for r in found if r["Id"] != but), key=lambda r: r["Id"])

    # --- EventRelation writes ------------------------------------------------------------------
    def defaults(self, record: dict[str, Any], named: set[str]) -> None:
        if "isinvitee" not in named and "isparent" not in named:
            record["IsInvitee"] = True

    def check_relation(self, record: dict[str, Any], creating: bool) -> None:
        """Salesforce's rules for one EventRelation row as it would be stored."""
        if not self.store.shared_activities:
            return
        event_id, person = record["EventId"], record["RelationId"]
        same = [r for r in self.rows(event_id) if r["RelationId"] == person]
        if creating and same:
            raise RecordError(
                "DUPLICATE_VALUE",
                f"duplicate value found: RelationId duplicates value on record with id: "
                f"{same[0]['Id']}",
                400,
                ["RelationId"],
            )
        if record["IsWhat"]:
            raise _integrity("IsWhat: relate accounts and other records through WhatId", ["IsWhat"])
        if not record["IsParent"] and not record["IsInvitee"]:
            raise _integrity("An event relation must be an invitee or a relation", ["IsInvitee"])
        if record["IsParent"]:
            self.check_who(event_id, person, but=record.get("Id") or "")

    def check_who(self, event_id: str, person: str, but: str = "") -> None:
        kind = ids.type_of(person)
        if kind not in ("Contact", "Lead"):
            raise _integrity(
                "RelationId: only a contact or a lead can be related to an event", ["RelationId"]
            )
        others = [
            ids.type_of(r["RelationId"]) for r in self.whos(event_id, but)
            if r["RelationId"] != person
        ]  # fmt: skip
        if (kind == "Lead" and others) or "Lead" in others or len(others) >= MAX_CONTACTS:
            raise _integrity(TOO_MANY, ["RelationId"])

    # --- the event's side: WhoId, WhoCount -----------------------------------------------------
    def check_event(self, event_id: str, previous: str | None, who: str | None) -> None:
        """Before an event's WhoId changes: the new person must fit with the other relations."""
        if self.store.shared_activities and who and who != previous:
            but = next((r["Id"] for r in self.whos(event_id) if r["RelationId"] == previous), "")
            self.check_who(event_id, who, but)

    def event_written(self, event: dict[str, Any], previous: str | None, actor: Actor) -> None:
        """After an event is stored: its WhoId made a relation, the previous one undone."""
        if not self.store.shared_activities or event["IsChild"]:
            return
        who = event.get("WhoId")
        if previous != who:
            old = next((r for r in self.rows(event["Id"]) if r["RelationId"] == previous), None)
            if old is not None and old["IsParent"]:
                self.unrelate(old, actor)
            if who:
                row = next((r for r in self.rows(event["Id"]) if r["RelationId"] == who), None)
                if row is None:
                    data = {"EventId": event["Id"], "RelationId": who, "IsParent": True,
                            "IsInvitee": False}  # fmt: skip
                    self.store.create("EventRelation", data, actor)
                elif not row["IsParent"]:
                    self.store.update("EventRelation", row["Id"], {"IsParent": True}, actor)
        self.relations_changed(event["Id"], actor)

    def unrelate(self, row: dict[str, Any], actor: Actor) -> None:
        if row["IsInvitee"]:
            self.store.update("EventRelation", row["Id"], {"IsParent": False}, actor)
        else:
            self.store.delete("EventRelation", row["Id"], actor)

    def relations_changed(self, event_id: str, actor: Actor) -> None:
        """WhoId promoted or cleared, WhoCount counted, after the event's relations moved."""
        event = self.store.records["Event"].get(event_id)
        if event is None or event["IsDeleted"] or not self.store.shared_activities:
            return
        people = [r["RelationId"] for r in self.whos(event_id)]
        who = event.get("WhoId") if event.get("WhoId") in people else None
        who = who or (people[0] if people else None)
        if who == event.get("WhoId") and event.get("WhoCount") == len(people):
            return
        updated = dict(event, WhoCount=len(people))
        if who != event.get("WhoId"):
            stamp = actor.now.replace(microsecond=0)
            updated.update(WhoId=who, SystemModstamp=stamp, LastModifiedDate=stamp,
                           LastModifiedById=actor.user_id, _LastModifiedClient=actor.client)  # fmt: skip
            updated["AccountId"] = self.store.event_account(updated)
        self.store.put("Event", updated)

    # --- the EventWhoRelation view -------------------------------------------------------------
    def who_rows(self, include_deleted: bool) -> list[dict[str, Any]]:
        out = []
        for row in self.store.rows("EventRelation", include_deleted):
            if not row["IsParent"] or row["IsWhat"]:
                continue
            person = self.store.find(row["RelationId"])
            kind = person[0] if person else None
            account = person[1].get("AccountId") if person and kind == "Contact" else None
            keep = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                    "LastModifiedById", "SystemModstamp", "EventId", "RelationId")  # fmt: skip
            out.append({**{k: row[k] for k in keep}, "Type": kind, "AccountId": account})
        return out
