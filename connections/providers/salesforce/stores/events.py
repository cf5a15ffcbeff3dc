"""The Salesforce event store: events the user owns (private ones and series included: the
planner applies the configuration's choices) within a window around today, with invitees from
EventRelation. A series is its series row; its occurrence rows are read as series.py says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connections.providers.salesforce import convert
from connections.providers.salesforce.client import SalesforceClient
from connections.providers.salesforce.cursor import soql_time
from connections.providers.salesforce.relations import Person, relate_fields
from connections.providers.salesforce.soql import quote
from connections.providers.salesforce.stores import series
from connections.providers.salesforce.stores.base import SalesforceStore, Written, chunks
from connections.providers.salesforce.stores.invitees import InviteeWrites
from connections.providers.salesforce.stores.occurrences import OccurrenceWrites
from syncengine.records import Contact, Event, Recurrence, norm_email, take_answers
from syncengine.stores.base import (
    Create,
    Item,
    Kind,
    MatchKey,
    Occurrence,
    Op,
    Update,
)


class EventStore(InviteeWrites, OccurrenceWrites, SalesforceStore):
    kind: Kind = "events"
    sobject = "Event"

    def __init__(
        self,
        client: SalesforceClient,
        user_id: str,
        *,
        days_past: int = 30,
        days_future: int = 365,
        auto_relate: bool = False,
    ) -> None:
        super().__init__(client, user_id)
        self.days_past = days_past
        self.days_future = days_future
        self.auto_relate = auto_relate
        self.zone = ""  # the owner's TimeZoneSidKey, learnt from the first rows read
        self.invitees: dict[str, tuple[str, str]] = {}  # e-mail -> (RelationId, Name)
        self.found: dict[str, Person] = {}  # e-mail -> what it was found as (resolve)
        self.unknown_attendees: set[str] = set()

    def select(self) -> list[str]:
        return convert.EVENT_SELECT

    def base_scope(self) -> list[str]:
        return [f"OwnerId = {quote(self.user_id)}", "IsChild = false"]

    def window(self) -> tuple[datetime, datetime]:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return today - timedelta(days=self.days_past), today + timedelta(days=self.days_future + 1)

    def scope(self) -> list[str]:
        past, future = (soql_time(moment) for moment in self.window())
        window = (
            f"(EndDateTime >= {past} AND StartDateTime <= {future}) OR "
            f"(IsRecurrence2 = true AND RecurrenceActivityId = null AND StartDateTime <= {future})"
        )
        # Private events and series stay listed even when the configuration leaves them out:
        # the planner decides (an event turning private is left alone, not deleted).
        return [*self.base_scope(), window]

    def load_zone(self) -> None:
        """The owner's time zone: Salesforce keeps none on single events, and Event.Owner is
        polymorphic (user or public calendar), so it is read from the User once."""
        soql = f"SELECT Id, TimeZoneSidKey FROM User WHERE Id = {quote(self.user_id)}"
        for row in self.query(soql):
            self.zone = str(row.get("TimeZoneSidKey") or "UTC")

    def relations(self, event_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for part in chunks(list(event_ids)):
            soql = (
                f"SELECT {', '.join(convert.RELATION_SELECT)} FROM EventRelation WHERE EventId IN "
                f"({', '.join(quote(i) for i in part)}) AND IsInvitee = true ORDER BY Id"
            )
            for row in self.query(soql):
                out.setdefault(row["EventId"], []).append(row)
        return out

    def touched_fields(self) -> list[str]:
        return ["IsRecurrence2", "RecurrenceActivityId"]

    def occurrence_rows(self, series_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for part in chunks(list(series_ids)):
            condition = f"RecurrenceActivityId IN ({', '.join(quote(i) for i in part)})"
            for row in self.query(self.soql(series.OCCURRENCE_SELECT, [condition], "Id")):
                out.setdefault(str(row["RecurrenceActivityId"]), []).append(row)
        return out

    def items(
        self, rows: list[dict[str, Any]], touched: Sequence[dict[str, Any]] = ()
    ) -> list[Item]:
        # An occurrence that changed (or went) changes its series: the series is read with it.
        have = {r["Id"] for r in rows}
        wanted = sorted({series.series_of(r) for r in [*rows, *touched]} - {""} - have)
        for part in chunks(wanted):
            condition = f"Id IN ({', '.join(quote(i) for i in part)})"
            rows = rows + self.query(self.soql(self.select(), [condition, *self.scope()]))
        listed = [r for r in rows if not series.series_of(r) or series.is_exception(r)]
        relations = self.relations([r["Id"] for r in listed]) if listed else {}
        if listed and not self.zone:
            self.load_zone()
        zone = self.zone or "UTC"
        heads = [r for r in listed if series.is_series(r)]
        occurrences = self.occurrence_rows([r["Id"] for r in heads]) if heads else {}
        exdates: dict[str, list[datetime]] = {}
        originals: dict[str, datetime] = {}
        for row in heads:
            found = occurrences.get(row["Id"], [])
            exdates[row["Id"]], placed = series.layout(row, found, self.window(), zone)
            originals.update(placed)
        out = []
        for row in listed:
            for rel in relations.get(row["Id"], []):
                email = norm_email((rel.get("Relation") or {}).get("Email"))
                if email:
                    self.invitees[email] = (
                        rel["RelationId"],
                        (rel.get("Relation") or {}).get("Name") or "",
                    )
            occurrence = None
            if series.series_of(row):
                if row["Id"] not in originals:
                    continue  # its series is out of reach: it cannot be placed
                occurrence = Occurrence(series.series_of(row), originals[row["Id"]])
                row = {**row, "IsRecurrence2": False}
            record = convert.event_from_row(row, relations.get(row["Id"], []), zone)
            if record.recurrence is not None:
                kept = Recurrence.normalized(record.recurrence.rrule, exdates.get(row["Id"], ()))
                record = replace(record, recurrence=kept)
            out.append(replace(self.item(row, record), occurrence=occurrence))
        return out

    def canonical(self, record: Contact | Event) -> Contact | Event:
        assert isinstance(record, Event)
        kept = convert.canonical_event(record, self.zone or "UTC")
        if kept.recurrence is not None:
            # Removed occurrences are read within the window only (series.layout).
            start, end = self.window()
            exdates = tuple(d for d in kept.recurrence.exdates if start <= d <= end)
            kept = replace(kept, recurrence=replace(kept.recurrence, exdates=exdates))
        attendees = tuple(
            replace(a, name=self.invitees[a.email][1]) if a.email in self.invitees else a
            for a in kept.attendees
            if a.email not in self.unknown_attendees
        )
        return replace(kept, attendees=attendees)

    def body(self, record: Contact | Event, names: frozenset[str] | None) -> dict[str, Any]:
        assert isinstance(record, Event)
        return convert.event_to_fields(record, names)

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        wanted = {k for k in keys if k[0] == "slot" and len(k) == 4}
        starts = sorted({datetime.fromisoformat(k[2]) for k in wanted})
        found: dict[MatchKey, str] = {}
        for part in chunks(starts):
            condition = f"StartDateTime IN ({', '.join(soql_time(s) for s in part)})"
            rows = self.query(self.soql(self.select(), [*self.base_scope(), condition], "Id"))
            for row in rows:
                if series.series_of(row):
                    continue  # an occurrence belongs to its series, never to another event
                record = convert.event_from_row(row, [], self.zone or "UTC")
                for key in record.match_keys():
                    if key in wanted and key not in found:
                        found[key] = row["Id"]
        return found

    def merge(
        self, current: Contact | Event, source: Contact | Event, fields: frozenset[str]
    ) -> Contact | Event:
        merged = super().merge(current, source, fields)
        # An answer given in the mailbox is the invitee's status here (docs/meetings.md, O5).
        return take_answers(merged, source) if "attendees" in fields else merged

    # --- auto-relate (Name and Related To) -----------------------------------------------------
    def prepare(self, ops: Sequence[Op]) -> None:
        """Auto-relate: the attendees of every event this batch creates are looked up at once
        (one query per object and 200 e-mails, shared with the invitees written afterwards).
        Whether the org has Shared Activities is known before anything is written, so a failed
        describe leaves no event written without its invitees."""
        if any(writes_attendees(op) for op in ops):
            self.shared_activities()
        if not self.auto_relate:
            return
        emails = {
            a.email
            for op in ops
            if isinstance(op, Create) and isinstance(op.record, Event)
            for a in op.record.attendees
        }
        if emails:
            self.resolve(emails)

    def create_fields(self, op: Create) -> dict[str, Any]:
        if not self.auto_relate or not isinstance(op.record, Event):
            return {}
        return relate_fields([a.email for a in op.record.attendees], self.found)

    # --- invitees and relations (invitees.py) -------------------------------------------------
    def after_write(self, written: list[Written]) -> None:
        self.remove_occurrences(written)
        self.write_attendees(written)


def writes_attendees(op: Op) -> bool:
    """Whether writing `op` writes the event's EventRelation rows (InviteeWrites)."""
    if isinstance(op, Update):
        return isinstance(op.record, Event) and (op.fields is None or "attendees" in op.fields)
    return isinstance(op, Create) and isinstance(op.record, Event) and bool(op.record.attendees)
