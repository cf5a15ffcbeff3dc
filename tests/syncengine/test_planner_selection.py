"""Issue 11 item 3, "only events users select", as planner rows (docs/event-selection.md).

The mark (an Outlook category, a Google colour) is `Item.selected`; it is not part of the record,
so taking it off or putting it on changes no field hash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from syncengine.stores.base import Delete, Item
from tests.syncengine.test_planner_table import (
    EM,
    EMB,
    EMPTY,
    ESF,
    edited,
    event,
    item,
    only,
    page,
    run,
)

SELECT = {"selected_only": True}


def unmarked(it: Item, version: str = "v2") -> Item:
    return replace(it, version=version, selected=False)


def s3_an_unselected_mailbox_event_never_enters_salesforce() -> None:
    mine = item("AAMkU", event(5), selected=False)
    assert run("events", EMPTY, page(mine), **SELECT).actions == []


def s3_a_selected_one_does() -> None:
    mine = item("AAMkU", event(5))
    a = only(run("events", EMPTY, page(mine), **SELECT))
    assert (a.rule, a.type, [w.side for w in a.writes]) == ("U7", "create", ["salesforce"])


def s3_without_the_setting_the_mark_is_not_asked_for() -> None:
    mine = item("AAMkU", event(5), selected=False)
    assert only(run("events", EMPTY, page(mine))).rule == "U7"


def s4_an_unselected_mailbox_event_is_removed_from_salesforce_like_a_deletion() -> None:
    a = only(run("events", EMPTY, page(unmarked(EMB)), [EM], **SELECT))
    assert (a.rule, a.type, a.forget) == ("S4", "delete", True)
    (w,) = a.writes
    assert w.side == "salesforce" and isinstance(w.op, Delete) and w.op.id == ESF.id


def s4_a_mark_change_alone_is_no_content_change() -> None:
    marked_again = replace(EMB, version="v3")
    a = only(run("events", EMPTY, page(marked_again), [EM], **SELECT))
    assert (a.rule, a.writes) == ("M1", ())


def s4b_without_delete_propagation_the_salesforce_event_stays_unsynced() -> None:
    a = only(run("events", EMPTY, page(unmarked(EMB)), [EM], propagate_deletes=False, **SELECT))
    assert (a.rule, a.type, a.writes) == ("S4b", "unlink", ())
    assert a.tombstone is not None and a.tombstone.gone == "mailbox"


def s4b_one_way_from_salesforce_the_salesforce_event_stays() -> None:
    a = only(
        run("events", EMPTY, page(unmarked(EMB)), [EM], direction="salesforce_to_mailbox",
            **SELECT)
    )  # fmt: skip
    assert (a.rule, a.writes) == ("S4b", ())


def s4b_an_edit_in_salesforce_is_kept_rather_than_deleted() -> None:
    sf = edited(ESF, subject="Agenda changed")
    a = only(run("events", page(sf), page(unmarked(EMB)), [EM], **SELECT))
    assert (a.rule, a.writes) == ("S4b", ())


def s4_a_copy_lsync_made_from_salesforce_needs_no_mark() -> None:
    copy = unmarked(replace(EMB, marker=ESF.id))
    a = only(run("events", EMPTY, page(copy), [EM], **SELECT))
    assert (a.rule, a.writes) == ("M1", ())
    edited_copy = replace(edited(copy, subject="Renamed"), selected=False)
    b = only(run("events", EMPTY, page(edited_copy), [EM], **SELECT))
    assert (b.rule, [w.side for w in b.writes]) == ("M2", ["salesforce"])


def s2_deleted_in_salesforce_while_unselected_leaves_the_mailbox_event_alone() -> None:
    a = only(run("events", page(deleted=(ESF.id,)), page(unmarked(EMB)), [EM], **SELECT))
    assert (a.rule, a.type, a.writes) == ("S2", "unlink", ())


def s5_marked_again_after_s4b_links_again_to_the_kept_salesforce_event() -> None:
    tomb = replace(EM, status="detached", gone="mailbox")
    again = replace(EMB, version="v3")
    a = only(run("events", EMPTY, page(again), [tomb], **SELECT))
    assert (a.rule, a.writes, a.ids) == ("M1", (), {"salesforce": ESF.id, "mailbox": EMB.id})
    assert a.before is not None and a.before.status == "synced" and a.versions is not None
    # Edited while it was out: the edit goes to the Salesforce event it is linked to again.
    edited_meanwhile = replace(edited(EMB, version="v4", location="Room 9"), selected=True)
    b = only(run("events", EMPTY, page(edited_meanwhile), [tomb], **SELECT))
    (w,) = b.writes
    assert (b.rule, w.side, w.op.id) == ("M2", "salesforce", ESF.id)
    # Still unmarked: the tombstone stays (T2).
    assert run("events", EMPTY, page(unmarked(EMB, "v5")), [tomb], **SELECT).actions == []


def s4_marked_again_after_its_removal_is_new() -> None:
    again = replace(EMB, version="v3")
    a = only(run("events", EMPTY, page(again), [], **SELECT))
    assert (a.rule, a.type) == ("U7", "create")


ROWS = [
    s3_an_unselected_mailbox_event_never_enters_salesforce,
    s3_a_selected_one_does,
    s3_without_the_setting_the_mark_is_not_asked_for,
    s4_an_unselected_mailbox_event_is_removed_from_salesforce_like_a_deletion,
    s4_a_mark_change_alone_is_no_content_change,
    s4b_without_delete_propagation_the_salesforce_event_stays_unsynced,
    s4b_one_way_from_salesforce_the_salesforce_event_stays,
    s4b_an_edit_in_salesforce_is_kept_rather_than_deleted,
    s4_a_copy_lsync_made_from_salesforce_needs_no_mark,
    s2_deleted_in_salesforce_while_unselected_leaves_the_mailbox_event_alone,
    s5_marked_again_after_s4b_links_again_to_the_kept_salesforce_event,
    s4_marked_again_after_its_removal_is_new,
]


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.__name__)
def test_selection_row(row: Callable[[], None]) -> None:
    row()
