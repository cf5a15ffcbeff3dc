"""Exdates written to Exchange: EWS takes no exdates with a series, so after a series is written
the occurrences at its exdates are deleted (found by a calendar view over the exdates' span,
matched to the series by its iCalendar UID). Occurrences already deleted are simply not there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from exchangelib import Account, EWSDateTime, EWSTimeZone
from exchangelib.folders import Calendar, Root
from exchangelib.items import MOVE_TO_DELETED_ITEMS

from syncengine.records import Event
from syncengine.stores.base import Create, Op, OpResult, Update

SERIES_FIELDS = {"recurrence", "start", "end", "all_day", "time_zone"}


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


def remove_exdates(
    account: Account,
    calendar_id: Callable[[Account], str],
    ops: Sequence[Op],
    results: Sequence[OpResult],
    send: str,
) -> None:
    series = wanted(ops, results)
    if not series:
        return
    # With its id: exchangelib pages a calendar view by folder, which needs the id.
    calendar = Calendar(root=Root(account=account), id=calendar_id(account))
    masters = {
        str(m.id): m
        for m in account.fetch(ids=[(i, None) for i in series], folder=calendar)
        if not isinstance(m, Exception)
    }
    doomed: list[Any] = []
    utc = EWSTimeZone("UTC")
    for master_id, exdates in series.items():
        master = masters.get(master_id)
        if master is None or not master.uid:
            continue
        start = EWSDateTime.from_datetime(min(exdates) - timedelta(minutes=1)).astimezone(utc)
        end = EWSDateTime.from_datetime(max(exdates) + timedelta(minutes=1)).astimezone(utc)
        for occurrence in calendar.view(start=start, end=end):
            if str(getattr(occurrence, "uid", "") or "") != str(master.uid):
                continue
            if str(occurrence.type or "") != "Occurrence":
                continue  # a modified occurrence is a meeting the user changed: kept
            if _utc(occurrence.start) in exdates:
                doomed.append(occurrence)
    if doomed:
        account.bulk_delete(
            ids=doomed, delete_type=MOVE_TO_DELETED_ITEMS, send_meeting_cancellations=send
        )
