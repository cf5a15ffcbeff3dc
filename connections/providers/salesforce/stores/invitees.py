"""The event store's EventRelation writes: invitees that mirror the attendees and, with
auto-relate in an org with Shared Activities, the contacts and lead an event is related to.
The planning is pure (`relations.py`); this reads the rows, asks the org once whether it has
Shared Activities, and writes the plan."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connections.providers.salesforce import convert, errors
from connections.providers.salesforce.client import SalesforceError
from connections.providers.salesforce.relations import (
    PREFIX_OBJECTS,
    Person,
    Row,
    RowPlan,
    plan_rows,
)
from connections.providers.salesforce.soql import quote
from connections.providers.salesforce.stores.base import Written, chunks
from syncengine.records import Event, norm_email
from syncengine.stores.base import NotFound, Rejected

if TYPE_CHECKING:
    from connections.providers.salesforce.stores.base import SalesforceStore

    Base = SalesforceStore
else:
    Base = object

# Who an attendee's e-mail can be in Salesforce, in the order we look.
INVITEE_OBJECTS = ("Contact", "Lead", "User")
# Shared Activities cannot be switched off once on, so a yes is kept for good; a no is asked
# again after this long, so an admin who turns it on is seen without a restart.
SHARED_NO_TTL = 3600.0

_shared: dict[tuple[str, str], tuple[bool, float]] = {}
_shared_lock = threading.Lock()


def forget_shared_activities() -> None:
    with _shared_lock:
        _shared.clear()


class InviteeWrites(Base):
    auto_relate: bool
    invitees: dict[str, tuple[str, str]]  # e-mail -> (RelationId, Name)
    found: dict[str, Person]
    unknown_attendees: set[str]

    def shared_activities(self) -> bool:
        """Whether the org has Shared Activities: Event's describe lists WhoCount only then.
        Asked once per org (login URL and connected app) and process, as cached above."""
        key = (self.client.login_url, self.client.consumer_key)
        with _shared_lock:
            known = _shared.get(key)
        if known is not None and (known[0] or time.monotonic() - known[1] < SHARED_NO_TTL):
            return known[0]
        try:
            described = self.client.describe("Event")
        except SalesforceError as exc:
            error = errors.translate(exc, self.client.username, self.client.login_url)
            if isinstance(error, Rejected | NotFound):
                return False  # the plain behaviour, asked again next time
            raise error from exc
        fields = described.get("fields", []) if isinstance(described, dict) else []
        on = any(f.get("name") == "WhoCount" for f in fields)
        with _shared_lock:
            _shared[key] = (on, time.monotonic())
        return on

    def rows(self, event_ids: Sequence[str], shared: bool) -> dict[str, list[Row]]:
        """The events' invitee rows, and with Shared Activities their relations to contacts
        and leads too (IsParent; relations to accounts and other records are left out)."""
        out: dict[str, list[Row]] = {}
        fields = [*convert.RELATION_SELECT, *(("IsInvitee", "IsParent") if shared else ())]
        which = "IsInvitee = true"
        if shared:
            which = "(IsInvitee = true OR IsParent = true) AND IsWhat = false"
        for part in chunks(list(event_ids)):
            soql = (
                f"SELECT {', '.join(fields)} FROM EventRelation WHERE EventId IN "
                f"({', '.join(quote(i) for i in part)}) AND {which} ORDER BY Id"
            )
            for row in self.query(soql):
                out.setdefault(row["EventId"], []).append(Row.from_api(row))
        return out

    def write_attendees(self, written: list[Written]) -> None:
        targets = [
            w
            for w in written
            if isinstance(w.record, Event)
            and (w.fields is None or "attendees" in w.fields)
            and (w.record.attendees or not w.created)
        ]
        if not targets:
            return
        self.resolve({a.email for w in targets for a in w.record.attendees})  # type: ignore[union-attr]
        shared = self.shared_activities()
        # With Shared Activities a created event may have rows already: its WhoId's relation.
        existing = self.rows([w.id for w in targets if shared or not w.created], shared)
        plan = RowPlan()
        for w in targets:
            assert isinstance(w.record, Event)
            relate = shared and self.auto_relate
            rows = existing.get(w.id, [])
            plan.extend(plan_rows(w.id, w.record.attendees, self.found, rows, relate))
            for a in w.record.attendees:
                if a.email in self.unknown_attendees:
                    self.unresolved.append(
                        (w.id, f"Attendee {a.email} is no Salesforce contact, lead or user")
                    )
        self.write_relations(plan)

    def resolve(self, emails: set[str]) -> None:
        """What each e-mail is in Salesforce: a contact, else a lead, else an active user."""
        missing = sorted(e for e in emails if e not in self.found)
        for obj in INVITEE_OBJECTS:
            if not missing:
                break
            for part in chunks(missing):
                extra = " AND IsActive = true" if obj == "User" else ""
                account = ", AccountId" if obj == "Contact" else ""
                soql = (
                    f"SELECT Id, Email, Name{account} FROM {obj} WHERE Email IN "
                    f"({', '.join(quote(e) for e in part)}){extra} ORDER BY Id"
                )
                for row in self.query(soql):
                    email = norm_email(row.get("Email"))
                    if email and email not in self.found and row["Id"] != self.user_id:
                        self.found[email] = Person(obj, row["Id"], str(row.get("AccountId") or ""))
                        self.invitees.setdefault(email, (row["Id"], row.get("Name") or ""))
            missing = [e for e in missing if e not in self.found]
        for email in missing:
            if email in self.invitees:  # an invitee read with the events (an inactive user)
                relation_id = self.invitees[email][0]
                self.found[email] = Person(PREFIX_OBJECTS.get(relation_id[:3], ""), relation_id)
            else:
                self.unknown_attendees.add(email)

    def write_relations(self, plan: RowPlan) -> None:
        """EventRelation rows; a failure here leaves the event written and is reported as
        unresolved. Deletes and updates go first: a lead's relation undone makes room for
        contacts."""
        calls: list[tuple[str, dict[str, Any]]] = []
        for ids in chunks(plan.deletes):
            calls.append(("DELETE", {"params": {"ids": ",".join(ids), "allOrNone": "false"}}))
        for part in chunks(plan.updates):
            calls.append(("PATCH", {"json": {"allOrNone": False, "records": list(part)}}))
        for part in chunks(plan.creates):
            calls.append(("POST", {"json": {"allOrNone": False, "records": list(part)}}))
        for method, kwargs in calls:
            try:
                answer = self.client.write(method, "composite/sobjects", **kwargs)
            except SalesforceError as exc:
                error = errors.translate(exc, self.client.username, self.client.login_url)
                if not isinstance(error, Rejected | NotFound):
                    raise error from exc
                self.unresolved.append(("", f"Invitees could not be saved: {exc.message}"))
                continue
            for outcome in answer or []:
                if not outcome.get("success"):
                    problem = (outcome.get("errors") or [{}])[0].get("message", "")
                    self.unresolved.append(("", f"An invitee could not be saved: {problem}"))
