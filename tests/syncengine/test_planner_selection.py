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


def s4_marked_again_after_its_removal_is_new_and_links_or_is_created() -> None:
    tomb = replace(EM, status="detached", gone="mailbox")
    again = replace(EMB, version="v3")
    p = run("events", EMPTY, page(again), [tomb], known={"salesforce": {ESF.id: ESF}}, **SELECT)
    a = only(p)
    assert (a.rule, a.type, a.ids) == ("U2", "link", {"salesforce": ESF.id, "mailbox": EMB.id})


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
    s4_marked_again_after_its_removal_is_new_and_links_or_is_created,
]


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.__name__)
def test_selection_row(row: Callable[[], None]) -> None:
    row()
