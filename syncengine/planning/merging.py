"""Field-by-field merging where fields depend on one another (docs/decision-table.md, M8).

An event's start, end and all-day flag describe one moment: taken field by field from two
sides, an all-day flag from one and the times of the other make an event neither user wrote (a
"timed" event from midnight to midnight, or dates where times were meant). So a side that changed
any of them changed them all, and a conflict over them is settled as one.

A write carries the target's own record with the source's fields laid over it, never the source's
whole record: a store that must send more than the fields written (Calendar and Graph send the
times with a series' rule, and the rule with the times) then sends the target's current values,
not the other side's, which would undo the target user's own edit of those.

A weekly rule without BYDAY repeats on its start's weekday, so moving a series' start moves its
days on one side and not on a side that spells the day out (Graph always does): the times of a
series are written together with its rule, unless the target changed the rule itself.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import replace

from syncengine.records import Event
from syncengine.stores.base import Item, Kind

TIMES = frozenset({"start", "end", "all_day"})


def changed_fields(kind: Kind, changed: frozenset[str]) -> frozenset[str]:
    """A side's changed fields, an event's times counting as one."""
    if kind == "events" and changed & TIMES:
        return changed | TIMES
    return changed


def written_fields(source: Item, fields: Set[str], target_changed: Set[str]) -> set[str]:
    """The fields to write: `fields`, and a series' rule with its times."""
    out = set(fields)
    record = source.record
    if (
        isinstance(record, Event)
        and out & TIMES
        and record.recurrence is not None
        and "recurrence" not in target_changed
    ):
        out.add("recurrence")
    return out


def overlay(target: Item | None, source: Item, fields: Set[str]) -> Item:
    """`source` with the target's record carrying the source's `fields` (the source itself when
    the target was not read in this run: then it holds what the source held before its edit)."""
    if target is None or type(target.record) is not type(source.record):
        return source
    names = set(fields) | ({"time_zone"} if fields & TIMES else set())  # the zone the times are in
    record = replace(target.record, **{f: getattr(source.record, f) for f in names})
    return replace(source, record=record)
