"""Modified occurrences of a series (docs/series.md): a moved or retitled occurrence is an item of
its own on each side (`Item.occurrence`), and its copy on the other side is written over the same
occurrence of the linked series there, never as a second event.

This pass runs after the other rows are decided: each create whose source is a modified
occurrence gets the other side's series id (`Create.occurrence`), or waits when the series is
created in this run (row R2: its side's cursor is kept, so it is read again next run) or not
synced at all (row R3); else it is row R1. A series created in this run keeps the occurrences
its source modified (they are not cancelled on the other side). Occurrence creates go first, so
an occurrence is modified before the series' new exception dates would remove it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from syncengine.planning.actions import Action, Write, other
from syncengine.planning.builder import View
from syncengine.records import Event
from syncengine.state import MappingState, is_linked
from syncengine.stores.base import Create, Occurrence, Side


def _pairs(
    mappings: Sequence[MappingState], actions: Sequence[Action]
) -> dict[Side, dict[str, str]]:
    out: dict[Side, dict[str, str]] = {"salesforce": {}, "mailbox": {}}

    def pair(sf: str, mb: str) -> None:
        if sf and mb:
            out["salesforce"][sf] = mb
            out["mailbox"][mb] = sf

    for m in mappings:
        if is_linked(m):
            pair(m.salesforce_id, m.mailbox_id)
    for a in actions:
        if not a.forget and a.tombstone is None:
            pair(a.ids.get("salesforce", ""), a.ids.get("mailbox", ""))
    return out


def place_occurrences(
    actions: list[Action], views: dict[Side, View], mappings: Sequence[MappingState]
) -> list[Action]:
    pairs = _pairs(mappings, actions)
    moves: dict[tuple[str, str], set[datetime]] = {}
    for side, view in views.items():
        for it in view.items.values():
            if it.occurrence is not None:
                moves.setdefault((side, it.occurrence.series), set()).add(it.occurrence.start)
    creating = {w.op.ref for a in actions for w in a.writes if isinstance(w.op, Create)}
    first: list[Action] = []
    rest: list[Action] = []
    for action in actions:
        action = _keep_moved(action, moves)
        placed = _place(action, views, pairs, creating)
        if placed is None:
            rest.append(action)
        else:
            first.append(placed)
    return first + rest


def _keep_moved(action: Action, moves: dict[tuple[str, str], set[datetime]]) -> Action:
    """A series created on the other side keeps the occurrences its source has modified: their
    original starts are left out of its exception dates (which would cancel them there), so the
    modified occurrences can be written over them once the series is linked (row R2, then R1)."""
    for n, write in enumerate(action.writes):
        op = write.op
        if not isinstance(op, Create) or not isinstance(op.record, Event):
            continue
        source_side, _, source_id = op.ref.partition(":")
        series = op.record.recurrence
        moved = moves.get((source_side, source_id), set())
        if series is None or not moved & set(series.exdates):
            continue
        kept = tuple(d for d in series.exdates if d not in moved)
        record = replace(op.record, recurrence=replace(series, exdates=kept))
        writes = list(action.writes)
        writes[n] = Write(write.side, replace(op, record=record))
        bases = dict(action.bases or {})
        bases[write.side] = dict(record.field_hashes())
        return replace(action, writes=tuple(writes), bases=bases)
    return action


def _place(
    action: Action,
    views: dict[Side, View],
    pairs: dict[Side, dict[str, str]],
    creating: set[str],
) -> Action | None:
    """The action with its occurrence creates placed; None when it creates no occurrence."""
    writes: list[Write] = []
    found = False
    for write in action.writes:
        op = write.op
        source_side, _, source_id = (
            op.ref.partition(":") if isinstance(op, Create) else ("", "", "")
        )
        item = views[source_side].items.get(source_id) if source_side in views else None  # type: ignore[index]
        if not isinstance(op, Create) or item is None or item.occurrence is None:
            writes.append(write)
            continue
        found = True
        side: Side = "salesforce" if source_side == "salesforce" else "mailbox"
        series = pairs[side].get(item.occurrence.series)
        if series is None and f"{side}:{item.occurrence.series}" in creating:
            why = "a modified occurrence of a series created in this run: read again next run"
            return Action("skip", action.label, "R2", why, {side: source_id})
        if series is None:
            why = "a modified occurrence of a series that is not synced"
            return Action("skip", action.label, "R3", why, {side: source_id})
        placed = replace(op, occurrence=Occurrence(series, item.occurrence.start))
        assert write.side == other(side)
        writes.append(Write(write.side, placed))
    if not found:
        return None
    why = "a modified occurrence: written over that occurrence of the linked series"
    return replace(action, writes=tuple(writes), rule="R1", reason=why)
