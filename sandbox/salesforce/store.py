"""The org's records in memory: writes with Salesforce's validation and bookkeeping
(CreatedById, LastModifiedById, SystemModstamp from the acting user and the emulator clock),
soft deletes (IsDeleted, the recycle bin) and the delete log the replication API reads.

Hidden bookkeeping keys start with ``_`` and never appear in API output:
``_LastModifiedClient`` / ``_CreatedClient`` hold the ``Sforce-Call-Options: client=...`` of the
call that wrote the record, so tests can check the product skips its own writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.salesforce import events, ids, schema, shared_activities
from sandbox.salesforce.errors import RecordError, SfError
from sandbox.salesforce.series import Series
from sandbox.salesforce.values import coerce

DELETE_LOG_DAYS = 15


@dataclass(frozen=True)
class Actor:
    user_id: str
    now: datetime
    client: str | None = None
    time_zone: str | None = None


@dataclass
class Deletion:
    id: str
    object: str
    deleted_at: datetime


class OrgStore:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in schema.OBJECTS}
        self.deletions: list[Deletion] = []
        self.purged_before: datetime | None = None
        self.counter = 0
        self._journal: list[tuple[str, str, dict[str, Any] | None]] | None = None
        self.org_id = ids.make_id("00D", 1)
        # Sharing (sharing.py): objects with a Private org-wide default, and (record, user) shares.
        self.private_objects: set[str] = set()
        self.shares: set[tuple[str, str]] = set()
        # Shared Activities (shared_activities.py): several contacts related to one event.
        self.shared_activities = False
        self.shared = shared_activities.SharedActivities(self)

    # --- reading -----------------------------------------------------------------------------
    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        normalized = ids.normalize(record_id)
        obj = ids.type_of(record_id)
        if normalized is None or obj is None:
            return None
        record = self.records[obj].get(normalized)
        return (obj, record) if record is not None else None

    def live(self, obj: str) -> Iterator[dict[str, Any]]:
        return (r for r in self.records[obj].values() if not r["IsDeleted"])

    def rows(self, obj: str, include_deleted: bool) -> list[dict[str, Any]]:
        return [r for r in self.records[obj].values() if include_deleted or not r["IsDeleted"]]

    # --- transactions (allOrNone) ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Undoes every write made inside the block if it raises. A journal of the records'
        previous versions, not a copy of the org, so large orgs stay fast."""
        outer = self._journal
        self._journal = []
        saved = (len(self.deletions), self.counter)
        try:
            yield
        except BaseException:
            for obj, record_id, previous in reversed(self._journal):
                if previous is None:
                    self.records[obj].pop(record_id, None)
                else:
                    self.records[obj][record_id] = previous
            del self.deletions[saved[0] :]
            self.counter = saved[1]
            raise
        finally:
            journal, self._journal = self._journal, outer
            if outer is not None:
                outer.extend(journal)

    def _store(self, obj: str, record: dict[str, Any]) -> None:
        if self._journal is not None:
            previous = self.records[obj].get(record["Id"])
            self._journal.append((obj, record["Id"], dict(previous) if previous else None))
        self.records[obj][record["Id"]] = record

    def put(self, obj: str, record: dict[str, Any]) -> None:
        """Stores a record as it is (bookkeeping already done by the caller)."""
        self._store(obj, record)

    # --- writing -----------------------------------------------------------------------------
    def new_id(self, obj: str) -> str:
        self.counter += 1
        return ids.make_id(ids.PREFIXES[obj], 100000 + self.counter)

    def create(
        self, obj: str, data: dict[str, Any], actor: Actor, record_id: str | None = None
    ) -> str:
        if not isinstance(data, dict):
            raise SfError("JSON_PARSER_ERROR", "Expected a JSON object for the record")
        self._check_object(obj, "inserted")
        if any(k.lower() == "id" for k in data):
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "Id: cannot specify Id in an insert call",
                400,
                ["Id"],
            )
        record: dict[str, Any] = {f.name: None for f in schema.fields(obj)}
        for f in schema.fields(obj):
            if f.type == "boolean":
                record[f.name] = False
        record["OwnerId" if "OwnerId" in record else "_"] = actor.user_id
        record.pop("_", None)
        changed = self._merge(obj, record, data, creating=True)
        if obj == "EventRelation" and self.shared_activities:
            self.shared.defaults(record, {k.lower() for k in data})
        self._finish(obj, record, changed, actor, creating=True)
        if obj == "EventRelation":
            self.shared.check_relation(record, creating=True)
        record_id = self._insert(obj, record, actor, record_id)
        if obj == "Event":
            self._series(actor).created(record, actor.now)
            self.shared.event_written(record, None, actor)
        if obj == "EventRelation":
            self.shared.relations_changed(record["EventId"], actor)
        return record_id

    def _check_object(self, obj: str, verb: str) -> None:
        if shared_activities.hidden_object(self, obj):
            raise SfError("INVALID_TYPE", f"sObject type '{obj}' is not supported.")
        if obj in shared_activities.DERIVED_OBJECTS:
            raise SfError("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be {verb}: {obj}")

    def _insert(
        self, obj: str, record: dict[str, Any], actor: Actor, record_id: str | None = None
    ) -> str:
        record_id = record_id or self.new_id(obj)
        record.update(
            Id=record_id,
            CreatedDate=record["SystemModstamp"],
            CreatedById=actor.user_id,
            _CreatedClient=actor.client,
        )
        self._store(obj, record)
        return record_id

    def _series(self, actor: Actor) -> Series:
        """The occurrence rows of event series (series.py), written as `actor`."""

        def create(row: dict[str, Any]) -> str:
            record: dict[str, Any] = {f.name: None for f in schema.fields("Event")}
            record.update({f.name: False for f in schema.fields("Event") if f.type == "boolean"})
            record.update(row)
            self._finish("Event", record, {"StartDateTime", "EndDateTime"}, actor, creating=True)
            return self._insert("Event", record, actor)

        return Series(
            lambda: self.live("Event"),
            create,
            lambda row: self._store("Event", row),
            lambda row: self.delete("Event", row["Id"], actor),
        )

    def update(self, obj: str | None, record_id: str, data: dict[str, Any], actor: Actor) -> None:
        found = self._existing(obj, record_id)
        obj, current = found
        if not isinstance(data, dict):
            raise SfError("JSON_PARSER_ERROR", "Expected a JSON object for the record")
        self._check_object(obj, "updated")
        record = dict(current)
        changed = self._merge(obj, record, data, creating=False)
        if obj == "Event":
            self._series(actor).check_occurrence_update(current, changed)
            self.shared.check_event(current["Id"], current.get("WhoId"), record.get("WhoId"))
        self._finish(obj, record, changed, actor, creating=False)
        if obj == "EventRelation":
            self.shared.check_relation(record, creating=False)
        if obj == "Event":
            record = self._series(actor).updated(current, record, changed, actor.now)
        self._store(obj, record)
        if obj == "Event":
            self.shared.event_written(record, current.get("WhoId"), actor)
        if obj == "EventRelation":
            self.shared.relations_changed(record["EventId"], actor)

    def delete(self, obj: str | None, record_id: str, actor: Actor) -> None:
        obj, record = self._existing(obj, record_id)
        self._check_object(obj, "deleted")
        self._soft_delete(obj, record, actor)
        if obj == "EventRelation":
            self.shared.relations_changed(record["EventId"], actor)
        if obj == "Event":
            self._series(actor).deleted(record)
            for relation in list(self.live("EventRelation")):
                if relation["EventId"] == record["Id"]:
                    self._soft_delete("EventRelation", relation, actor)

    def _soft_delete(self, obj: str, record: dict[str, Any], actor: Actor) -> None:
        stamp = actor.now.replace(microsecond=0)
        record = dict(record)
        record.update(
            IsDeleted=True,
            SystemModstamp=stamp,
            LastModifiedById=actor.user_id,
            _LastModifiedClient=actor.client,
        )
        self._store(obj, record)
        self.deletions.append(Deletion(record["Id"], obj, stamp))

    def _existing(self, obj: str | None, record_id: str) -> tuple[str, dict[str, Any]]:
        found = self.find(record_id)
        if found is None or (obj is not None and found[0] != obj):
            if ids.normalize(record_id) is None or (obj and ids.type_of(record_id) != obj):
                raise RecordError(
                    "MALFORMED_ID", f"{obj or 'Record'} ID: id value of incorrect type: {record_id}",
                    400, ["Id"],
                )  # fmt: skip
            raise RecordError("NOT_FOUND", "The requested resource does not exist", 404)
        if found[1]["IsDeleted"]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", 404, [])
        return found

    def _merge(
        self, obj: str, record: dict[str, Any], data: dict[str, Any], creating: bool
    ) -> set[str]:
        changed: set[str] = set()
        for key, raw in data.items():
            if key == "attributes" or (not creating and key.lower() == "id"):
                continue
            f = schema.field(obj, key)
            if f is None or shared_activities.hidden_field(self, obj, f.name):
                raise SfError("INVALID_FIELD", f"No such column '{key}' on sobject of type {obj}")
            if not (f.createable if creating else f.updateable):
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {f.name}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile "
                    "or permission set.",
                    400,
                    [f.name],
                )
            value = coerce(f, raw)
            if f.type == "reference" and value is not None:
                self._check_reference(obj, f, value)
            record[f.name] = value
            changed.add(f.name)
        return changed

    def _check_reference(self, obj: str, f: schema.Field, value: str) -> None:
        if ids.type_of(value) not in f.targets:
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{f.name}: id value of incorrect type: {value}",
                400,
                [f.name],
            )
        found = self.find(value)
        if found is None or found[1]["IsDeleted"]:
            raise RecordError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", 400, [f.name]
            )
        if f.name == "OwnerId" and not found[1]["IsActive"]:
            raise RecordError(
                "INACTIVE_OWNER_OR_USER",
                f"operation performed with inactive user [{value}] as owner of {obj.lower()}",
                400,
                [],
            )

    def _finish(
        self, obj: str, record: dict[str, Any], changed: set[str], actor: Actor, creating: bool
    ) -> None:
        missing = [
            f.name
            for f in schema.fields(obj)
            if f.required and record.get(f.name) in (None, "") and (creating or f.name in changed)
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                400,
                missing,
            )
        if obj == "Event":
            events.apply_rules(record, changed, actor.time_zone)
            record["AccountId"] = self.event_account(record)
        if obj == "Lead" and not record.get("Status"):
            record["Status"] = "Open - Not Contacted"
        if "Name" in record and obj not in ("Account", "Profile"):
            parts = [record.get("FirstName"), record.get("LastName")]
            record["Name"] = " ".join(p for p in parts if p)
        stamp = actor.now.replace(microsecond=0)
        record.update(
            IsDeleted=False,
            SystemModstamp=stamp,
            LastModifiedDate=stamp,
            LastModifiedById=actor.user_id,
            _LastModifiedClient=actor.client,
        )

    def event_account(self, record: dict[str, Any]) -> str | None:
        for key in ("WhatId", "WhoId"):
            found = self.find(record.get(key) or "")
            if found and found[0] == "Account":
                return found[1]["Id"]
            if found and found[0] == "Contact":
                return found[1]["AccountId"]  # type: ignore[no-any-return]
        return None

    # --- the delete log ----------------------------------------------------------------------
    def earliest_available(self, now: datetime) -> datetime:
        floor = now - timedelta(days=DELETE_LOG_DAYS)
        if self.purged_before and self.purged_before > floor:
            floor = self.purged_before
        return floor

    def purge(self, now: datetime) -> None:
        """Empties the recycle bin and the delete log of entries older than 15 days."""
        horizon = now - timedelta(days=DELETE_LOG_DAYS)
        if not self.deletions or self.deletions[0].deleted_at >= horizon:
            return
        old = [d for d in self.deletions if d.deleted_at < horizon]
        self.deletions = [d for d in self.deletions if d.deleted_at >= horizon]
        for d in old:
            record = self.records[d.object].get(d.id)
            if record is not None and record["IsDeleted"]:
                del self.records[d.object][d.id]

    def deleted_between(self, obj: str, start: datetime, end: datetime) -> list[Deletion]:
        return [d for d in self.deletions if d.object == obj and start <= d.deleted_at < end]
