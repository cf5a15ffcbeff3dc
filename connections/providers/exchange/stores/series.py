"""Series in an Exchange calendar (docs/series.md): what the events store reads and writes beyond
single items.

- Modified occurrences: a series' ModifiedOccurrences name them (id and original start); they
  are read by GetItem and listed as items of their own (`Item.occurrence`). get() finds the
  series of an occurrence id by a GetItem of its RecurringMasterItemId.
- A modified occurrence from Salesforce is written over that occurrence of the series (an
  UpdateItem of the occurrence's id, found by a calendar view), which makes it an exception.
- Exdates: EWS takes no exdates with a series, so after a series is written the plain
  occurrences at its exdates are deleted (found the same way). Occurrences already deleted are
  simply not there; a modified one is a meeting of its own and stays.
- A series whose only change is its exdates keeps its Recurrence: a Recurrence written to a
  master recalculates its occurrences, and the series' modified and deleted occurrences can go
  with it (the emulator drops them, as Outlook warns).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from exchangelib import Account, EWSDateTime, EWSTimeZone
from exchangelib.folders import Calendar, Root
from exchangelib.items import MOVE_TO_DELETED_ITEMS
from exchangelib.properties import RecurringMasterItemId

from connections.providers.exchange.convert_series import same_rule
from syncengine.records import Event
from syncengine.stores.base import Create, Occurrence, Op, OpResult, Update

SERIES_FIELDS = {"recurrence", "start", "end", "all_day", "time_zone"}
CHUNK = 100
CalendarId = Callable[[Account], str]


def wanted(ops: Sequence[Op], results: Sequence[OpResult]) -> dict[str, set[datetime]]:
    """Master id -> exdates, for series whose recurrence this batch wrote."""
    out: dict[str, set[datetime]] = {}
    for op, result in zip(ops, results, strict=True):
        record = getattr(op, "record", None)
        if not result.ok or not result.id or not isinstance(record, Event):
            continue
        if record.recurrence is None or not record.recurrence.exdates:
            continue
        fields = op.fields if isinstance(op, Update) else None
        if isinstance(op, Create) or fields is None or fields & SERIES_FIELDS:
            out[result.id] = set(record.recurrence.exdates)
    return out


def _utc(value: Any) -> datetime:
    return datetime.fromtimestamp(value.timestamp(), UTC)


def _calendar(account: Account, calendar_id: CalendarId) -> Calendar:
    # With its id: exchangelib pages a calendar view by folder, which needs the id.
    return Calendar(root=Root(account=account), id=calendar_id(account))


def _masters(account: Account, calendar: Calendar, ids: Sequence[str]) -> dict[str, Any]:
    found = account.fetch(ids=[(i, None) for i in ids], folder=calendar, chunk_size=CHUNK)
    return {str(m.id): m for m in found if not isinstance(m, Exception)}


def plain_occurrences(
    account: Account, calendar: Calendar, starts: dict[str, set[datetime]]
) -> dict[tuple[str, datetime], Any]:
    """(master id, start) -> the plain occurrence (no exception) of that series at that start,
    for the wanted starts that still have one: a calendar view over their span per series,
    matched to the series by its iCalendar UID."""
    masters = _masters(account, calendar, list(starts))
    found: dict[tuple[str, datetime], Any] = {}
    utc = EWSTimeZone("UTC")
    for master_id, moments in starts.items():
        master = masters.get(master_id)
        if master is None or not master.uid or not moments:
            continue
        start = EWSDateTime.from_datetime(min(moments) - timedelta(minutes=1)).astimezone(utc)
        end = EWSDateTime.from_datetime(max(moments) + timedelta(minutes=1)).astimezone(utc)
        for occurrence in calendar.view(start=start, end=end):
            if str(getattr(occurrence, "uid", "") or "") != str(master.uid):
                continue
            if str(occurrence.type or "") != "Occurrence":
                continue  # a modified occurrence is a meeting of its own
            if _utc(occurrence.start) in moments:
                found[(master_id, _utc(occurrence.start))] = occurrence
    return found


def locate(
    account: Account, calendar_id: CalendarId, targets: Sequence[Occurrence]
) -> dict[Occurrence, tuple[str, str]]:
    """(id, change key) of each target occurrence that is still a plain one of its series."""
    starts: dict[str, set[datetime]] = {}
    for target in targets:
        starts.setdefault(target.series, set()).add(target.start)
    found = plain_occurrences(account, _calendar(account, calendar_id), starts)
    return {
        o: (str(found[(o.series, o.start)].id), str(found[(o.series, o.start)].changekey or ""))
        for o in targets
        if (o.series, o.start) in found
    }


def remove_exdates(
    account: Account,
    calendar_id: CalendarId,
    ops: Sequence[Op],
    results: Sequence[OpResult],
    send: str,
) -> None:
    series = wanted(ops, results)
    if not series:
        return
    doomed = list(plain_occurrences(account, _calendar(account, calendar_id), series).values())
    if doomed:
        account.bulk_delete(
            ids=doomed, delete_type=MOVE_TO_DELETED_ITEMS, send_meeting_cancellations=send
        )


def keep_rules(account: Account, calendar_id: CalendarId, ops: Sequence[Op]) -> list[Op]:
    """`ops`, where an update's only series change is its exdates (its rule is the one the series
    holds) writing no Recurrence: the exdates are written by `remove_exdates` alone."""
    candidates = [
        op.id
        for op in ops
        if isinstance(op, Update)
        and isinstance(op.record, Event)
        and op.record.recurrence is not None
        and op.fields is not None
        and op.fields & SERIES_FIELDS == {"recurrence"}
    ]
    if not candidates:
        return list(ops)
    masters = _masters(account, _calendar(account, calendar_id), candidates)
    out: list[Op] = []
    for op in ops:
        master = masters.get(op.id) if isinstance(op, Update) else None
        if isinstance(op, Update) and master is not None and op.fields is not None:
            assert isinstance(op.record, Event)
            if same_rule(master, op.record):
                op = replace(op, fields=op.fields - {"recurrence"})
        out.append(op)
    return out


def masters_of(account: Account, folder: Any, occurrence_ids: Sequence[str]) -> dict[str, str]:
    """Occurrence id -> its series' id (GetItem of RecurringMasterItemId, ids only; `folder`
    names the fields, so exchangelib asks for no folder first)."""
    if not occurrence_ids:
        return {}
    refs = [RecurringMasterItemId(id=i) for i in occurrence_ids]
    found = account.fetch(ids=refs, folder=folder, only_fields=["id"], chunk_size=CHUNK)
    return {
        occurrence: str(master.id)
        for occurrence, master in zip(occurrence_ids, found, strict=True)
        if not isinstance(master, Exception)
    }
