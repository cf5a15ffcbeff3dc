"""Issue 11 item 2, modified occurrences of a series, as planner rows (docs/series.md).

A modified occurrence is an item of its own with `Item.occurrence` (its series on that side, its
original start); its copy is written over the same occurrence of the linked series."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from syncengine.records import Recurrence
from syncengine.stores.base import Create, Item, Occurrence
from tests.syncengine.test_planner_table import event, item, linked, only, page, run

SERIES_SF = item("00US", event(1, recurrence="FREQ=WEEKLY;COUNT=10"))
SERIES_MB = item("AAMkS", event(1, recurrence="FREQ=WEEKLY;COUNT=10"))
ORIGINAL = SERIES_SF.record.start + timedelta(days=14)


def moved(item_id: str, series: str) -> Item:
    record = replace(event(15), subject="Meeting 1")
    return item(item_id, record, occurrence=Occurrence(series, ORIGINAL))


def r1_a_moved_occurrence_from_salesforce_is_written_over_that_occurrence_in_the_mailbox() -> None:
    exception = moved("00UX", SERIES_SF.id)
    plan = run("events", page(exception), page(), [linked(SERIES_SF, SERIES_MB)])
    (a,) = [a for a in plan.actions if a.writes]
    assert (a.rule, a.type) == ("R1", "create")
    (w,) = a.writes
    assert w.side == "mailbox" and isinstance(w.op, Create)
    assert w.op.occurrence == Occurrence(SERIES_MB.id, ORIGINAL)


def r1_a_moved_occurrence_from_the_mailbox_is_written_over_that_occurrence_row() -> None:
    exception = moved("AAMkX", SERIES_MB.id)
    plan = run("events", page(), page(exception), [linked(SERIES_SF, SERIES_MB)])
    (a,) = [a for a in plan.actions if a.writes]
    (w,) = a.writes
    assert a.rule == "R1" and w.side == "salesforce" and isinstance(w.op, Create)
    assert w.op.occurrence == Occurrence(SERIES_SF.id, ORIGINAL)


def r1_occurrence_writes_go_before_the_series_update() -> None:
    renamed = replace(SERIES_SF, version="v2", record=replace(SERIES_SF.record, subject="New"))
    exception = moved("00UX", SERIES_SF.id)
    plan = run("events", page(renamed, exception), page(), [linked(SERIES_SF, SERIES_MB)])
    assert [a.rule for a in plan.actions if a.writes] == ["R1", "M2"]


def r2_a_moved_occurrence_of_a_series_created_in_this_run_waits_for_it() -> None:
    removed = (ORIGINAL, ORIGINAL + timedelta(days=14))
    series = replace(
        SERIES_SF,
        record=replace(
            SERIES_SF.record, recurrence=Recurrence("FREQ=WEEKLY;COUNT=10", exdates=removed)
        ),
    )
    exception = moved("00UX", SERIES_SF.id)
    plan = run("events", page(series, exception), page())
    rules = {a.ids.get("salesforce"): a for a in plan.actions}
    assert (rules["00UX"].rule, rules["00UX"].type) == ("R2", "skip")
    made = rules[SERIES_SF.id]
    assert (made.rule, made.type) == ("U7", "create")
    # Created without the moved occurrence's start, so the occurrence is there to be moved.
    (w,) = made.writes
    assert isinstance(w.op, Create) and w.op.record.recurrence is not None
    assert w.op.record.recurrence.exdates == (removed[1],)
    assert made.bases is not None
    assert made.bases["mailbox"] == w.op.record.field_hashes()


def r3_a_moved_occurrence_of_a_series_that_is_not_synced_is_left_alone() -> None:
    exception = moved("00UX", "00UNOTSYNCED")
    a = only(run("events", page(exception), page()))
    assert (a.rule, a.type, a.writes) == ("R3", "skip", ())


ROWS = [
    r1_a_moved_occurrence_from_salesforce_is_written_over_that_occurrence_in_the_mailbox,
    r1_a_moved_occurrence_from_the_mailbox_is_written_over_that_occurrence_row,
    r1_occurrence_writes_go_before_the_series_update,
    r2_a_moved_occurrence_of_a_series_created_in_this_run_waits_for_it,
    r3_a_moved_occurrence_of_a_series_that_is_not_synced_is_left_alone,
]


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.__name__)
def test_series_row(row: Callable[[], None]) -> None:
    row()
