"""Modified occurrences of a Google Calendar series (docs/series.md).

Calendar keeps a moved or retitled occurrence as an event of its own, with ``recurringEventId``
(its series) and ``originalStartTime`` (the start the rule gave it); a cancelled one is such an
event with ``status: cancelled``. lsync reads them the way every store does:
- a modified occurrence is an item of its own (`Item.occurrence`: the series and the original
  start), and its original start is one of the series' exception dates, like a cancelled one's;
- a modified occurrence written from Salesforce is a PATCH of that instance
  (``<series id>_<original start>``), never a new event;
- a series written with exception dates gets as EXDATE only the cancelled ones: an EXDATE on a
  modified occurrence's start would remove that occurrence from the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from connections.providers.google.convert_events import original_start
from syncengine.records import Event
from syncengine.stores.base import Occurrence

Data = Mapping[str, Any]
# What an instance differs from its series in when it was modified on its own.
OWN_KEYS = ("summary", "description", "location", "transparency", "visibility")


def occurrence_of(data: Data) -> Occurrence | None:
    at = original_start(data)
    series = data.get("recurringEventId")
    if not series or at is None or data.get("status") == "cancelled":
        return None
    return Occurrence(str(series), at)


def is_modified(instance: Data, master: Data) -> bool:
    """Whether an instance listed by ``instances`` is a modified occurrence, not a plain one."""
    if instance.get("status") == "cancelled" or not instance.get("recurringEventId"):
        return False
    if original_start(instance) != original_start({"originalStartTime": instance.get("start")}):
        return True
    return any(instance.get(k) != master.get(k) for k in OWN_KEYS)


def instance_id(target: Occurrence, all_day: bool) -> str:
    if all_day:
        return f"{target.series}_{target.start.strftime('%Y%m%d')}"
    return f"{target.series}_{target.start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def without(record: Event, starts: Iterable[datetime]) -> Event:
    """`record` with the exception dates in `starts` left out (modified occurrences)."""
    series = record.recurrence
    drop = set(starts)
    if series is None or not drop & set(series.exdates):
        return record
    kept = tuple(d for d in series.exdates if d not in drop)
    return replace(record, recurrence=replace(series, exdates=kept))
