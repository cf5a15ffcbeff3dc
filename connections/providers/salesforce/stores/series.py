"""Lightning event series in the Salesforce store (docs/series.md).

An org keeps a series as the series row (``IsRecurrence2``, the pattern, no
``RecurrenceActivityId``) and one Event row per occurrence (``RecurrenceActivityId`` = the
series row). So:
- the series row is the series item; its exception dates are the starts its pattern gives (within
  the window) that have no plain occurrence row: deleted occurrences, and moved ones;
- a plain occurrence row is no item (the mailbox's series already holds it);
- an exception row (``IsRecurrence2Exception``: an occurrence edited on its own) is an item of its
  own, a single event with `Item.occurrence` = (the series, the start the pattern gave it);
- historical rows (``IsRecurrence2Exclusion``, left behind when the pattern changed) are no items.

Salesforce does not say which start a moved occurrence had. It is taken to be the free start of
the pattern nearest to where the occurrence is now (a free start: one with no plain row), the
exceptions being placed in order; a move far past another removed occurrence can be taken for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from connections.providers.salesforce import recurrence
from connections.providers.salesforce.convert import parse_datetime
from syncengine.records import Event

Row = dict[str, Any]
OCCURRENCE_SELECT = [
    "Id", "StartDateTime", "IsRecurrence2", "RecurrenceActivityId", "IsRecurrence2Exception", "IsRecurrence2Exclusion",
]  # fmt: skip


def series_of(row: Row) -> str:
    """The series an occurrence row belongs to ('' for a series row or a single event)."""
    return str(row.get("RecurrenceActivityId") or "") if row.get("IsRecurrence2") else ""


def is_series(row: Row) -> bool:
    return bool(row.get("IsRecurrence2")) and not row.get("RecurrenceActivityId")


def is_exception(row: Row) -> bool:
    return bool(
        series_of(row)
        and row.get("IsRecurrence2Exception")
        and not row.get("IsRecurrence2Exclusion")
    )


def layout(
    series: Row, occurrences: Sequence[Row], window: tuple[datetime, datetime], zone: str
) -> tuple[list[datetime], dict[str, datetime]]:
    """(the series' exception dates within the window, each exception row's original start)."""
    starts = {row["Id"]: parse_datetime(row["StartDateTime"]) for row in occurrences}
    plain = {starts[r["Id"]] for r in occurrences if not r.get("IsRecurrence2Exception")}
    exceptions = sorted(
        (r for r in occurrences if is_exception(r)), key=lambda r: (starts[r["Id"]], r["Id"])
    )
    text = series.get("Recurrence2PatternText")
    bounded = any(f"{p}=" in str(text or "").upper() for p in ("COUNT", "UNTIL"))
    # Rows of a rule without an end stop at a horizon: starts past the last row are no gaps.
    last = max([*starts.values(), window[0]]) if not bounded else window[1]
    slots = recurrence.occurrence_starts(
        text,
        parse_datetime(series["StartDateTime"]),
        str(series.get("Recurrence2PatternTimeZone") or zone),
        bool(series.get("IsAllDayEvent")),
        min(last, window[1]),
    )
    free = [s for s in slots if s not in plain]
    originals: dict[str, datetime] = {}
    for row in exceptions:
        open_ = [s for s in free if s not in originals.values()]
        if open_:
            at = starts[row["Id"]]
            originals[row["Id"]] = min(open_, key=lambda s: (abs((s - at).total_seconds()), s))
    return [s for s in free if window[0] <= s <= window[1]], originals


def same_rule(current: Event, wanted: Event) -> Event:
    """`wanted` with the rule of `current` when both give the same starts (the exception dates
    are `wanted`'s)."""
    old, new = current.recurrence, wanted.recurrence
    if old is None or new is None or old.rrule == new.rrule:
        return wanted
    if (current.start, current.all_day, current.time_zone) != (
        wanted.start,
        wanted.all_day,
        wanted.time_zone,
    ):
        return wanted
    until = wanted.start + timedelta(days=3 * 366)

    def starts(rule: str) -> list[datetime]:
        return recurrence.occurrence_starts(
            rule, wanted.start, wanted.time_zone, wanted.all_day, until
        )

    if starts(old.rrule) != starts(new.rrule):
        return wanted
    return replace(wanted, recurrence=replace(new, rrule=old.rrule))
