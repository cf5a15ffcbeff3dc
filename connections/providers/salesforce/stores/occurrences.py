"""Writes to the occurrences of a Lightning event series (docs/series.md):
- a modified occurrence from the mailbox (`Create.occurrence`) is written over that occurrence's
  row (found by its series and its start), which Salesforce then marks as an exception; no new
  Event is created;
- a series written with exception dates loses the plain occurrence rows at those starts (a
  cancelled occurrence is a deleted row; a moved one's row was already moved by the first rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from connections.providers.salesforce import errors
from connections.providers.salesforce.client import SalesforceError
from connections.providers.salesforce.convert import parse_datetime
from connections.providers.salesforce.cursor import soql_time
from connections.providers.salesforce.soql import quote
from connections.providers.salesforce.stores.base import Written, chunks
from connections.providers.salesforce.stores.series import same_rule
from syncengine.records import EVENT_FIELDS, Event
from syncengine.stores.base import (
    Create,
    NotFound,
    Op,
    OpResult,
    ProviderError,
    Rejected,
    Update,
)

if TYPE_CHECKING:
    from connections.providers.salesforce.stores.base import SalesforceStore

    Base = SalesforceStore
else:
    Base = object

# What an occurrence can be given on its own (its pattern belongs to the series).
OWN_FIELDS = frozenset(EVENT_FIELDS) - {"recurrence"}


class OccurrenceWrites(Base):
    # Occurrences this batch modifies: a series written with their starts as exception dates
    # keeps their rows (they are moved, not cancelled).
    _keep: frozenset[tuple[str, datetime]] = frozenset()

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        ops = self.keep_patterns(ops)
        placed = [i for i, op in enumerate(ops) if isinstance(op, Create) and op.occurrence]
        if not placed:
            return super().apply(ops)
        self._keep = frozenset(
            (o.series, o.start)
            for i in placed
            if (o := ops[i].occurrence)  # type: ignore[union-attr]
        )
        rest = [i for i in range(len(ops)) if i not in placed]
        # The other writes first: a modified occurrence changes its series' exception dates, so
        # a series update checked after it would find the series changed meanwhile.
        try:
            done = super().apply([ops[i] for i in rest])
        finally:
            self._keep = frozenset()
        results: dict[int, OpResult] = dict(zip(rest, done, strict=True))
        for i in placed:
            results[i] = self.write_occurrence(ops[i])  # type: ignore[arg-type]
        return [results[i] for i in range(len(ops))]

    def keep_patterns(self, ops: Sequence[Op]) -> list[Op]:
        """Series updates that write the series' rule or zone another way (Outlook adds
        BYDAY=WE to a weekly series starting on a Wednesday) keep the series' own text: a new
        pattern text or zone makes Salesforce regenerate the occurrence rows and drop their
        exceptions."""
        ids = [
            op.id
            for op in ops
            if isinstance(op, Update)
            and isinstance(op.record, Event)
            and op.record.recurrence is not None
            and (op.fields is None or "recurrence" in op.fields)
        ]
        current = self.get(ids) if ids else {}
        out: list[Op] = []
        for op in ops:
            now = current.get(op.id) if isinstance(op, Update) else None
            if now is not None and isinstance(now.record, Event) and isinstance(op, Update):
                assert isinstance(op.record, Event)
                record = op.record
                if op.fields is not None and "time_zone" not in op.fields:
                    # The zone is not what changed (Exchange names UTC "Etc/UTC"): the series
                    # keeps its own name for it, a new one would regenerate its rows too.
                    record = replace(record, time_zone=now.record.time_zone)
                op = replace(op, record=same_rule(now.record, record))
            out.append(op)
        return out

    def write_occurrence(self, op: Create) -> OpResult:
        assert op.occurrence is not None and isinstance(op.record, Event)
        target = op.occurrence
        soql = self.soql(
            ["Id"],
            [
                f"RecurrenceActivityId = {quote(target.series)}",
                f"StartDateTime = {soql_time(target.start)}",
                "IsRecurrence2Exception = false",
            ],
        )
        try:
            rows = self.query(soql)
            if not rows:
                raise NotFound("this occurrence of the series is no longer in Salesforce")
            row_id = str(rows[0]["Id"])
            body: dict[str, Any] = self.body(op.record, OWN_FIELDS)
            body["attributes"] = {"type": self.sobject}
            body["id"] = row_id
            answer = self.call(
                self.client.write,
                "PATCH",
                "composite/sobjects",
                json={"allOrNone": False, "records": [body]},
            )
        except (ProviderError, ValueError) as exc:
            error = exc if isinstance(exc, ProviderError) else Rejected(str(exc))
            if not isinstance(error, Rejected | NotFound):
                raise
            return OpResult(False, None, error=error)
        outcome = (answer or [{}])[0]
        if not outcome.get("success"):
            return OpResult(False, None, error=errors.from_result(outcome))
        self.after_write([Written(row_id, op.record, False, OWN_FIELDS)])
        return OpResult(True, row_id, self.version(self.canonical(op.record)))

    def remove_occurrences(self, written: list[Written]) -> None:
        wanted: dict[str, set[datetime]] = {}
        for w in written:
            series = w.record.recurrence if isinstance(w.record, Event) else None
            if series and series.exdates and (w.fields is None or "recurrence" in w.fields):
                wanted[w.id] = set(series.exdates)
        doomed: list[str] = []
        for part in chunks(sorted(wanted)):
            condition = f"RecurrenceActivityId IN ({', '.join(quote(i) for i in part)})"
            fields = ["Id", "StartDateTime", "RecurrenceActivityId"]
            query = self.soql(fields, [condition, "IsRecurrence2Exception = false"])
            for row in self.query(query):
                start = parse_datetime(row["StartDateTime"])
                series_id = str(row["RecurrenceActivityId"])
                if start in wanted[series_id] and (series_id, start) not in self._keep:
                    doomed.append(str(row["Id"]))
        for ids in chunks(doomed):
            try:
                self.client.write(
                    "DELETE",
                    "composite/sobjects",
                    params={"ids": ",".join(ids), "allOrNone": "false"},
                )
            except SalesforceError as exc:
                error = errors.translate(exc, self.client.username, self.client.login_url)
                if not isinstance(error, Rejected | NotFound):
                    raise error from exc
                self.unresolved.append(
                    ("", f"Removed occurrences could not be deleted: {exc.message}")
                )
