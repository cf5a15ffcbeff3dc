"""One test per row of docs/decision-table.md; each test id starts with the row's id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncengine.planner import plan
from syncengine.planning.actions import Action, Plan
from syncengine.policy import SyncSettings
from syncengine.records import Contact, Event
from syncengine.state import MappingState, build_mapping
from syncengine.stores.base import ChangePage, Create, Delete, Item, Kind, Side, Update

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def contact(n: int, **kw: Any) -> Contact:
    fields: dict[str, Any] = {
        "first_name": "Ana",
        "last_name": f"N{n}",
        "emails": [f"a{n}@x.com"],
        "company": "Acme",
    }
    fields.update(kw)
    return Contact.normalized(**fields)


def event(n: int, **kw: Any) -> Event:
    start = T0 + timedelta(days=n)
    fields: dict[str, Any] = {
        "subject": f"Meeting {n}",
        "start": start,
        "end": start + timedelta(hours=1),
    }
    fields.update(kw)
    return Event.normalized(**fields)


def item(item_id: str, record: Contact | Event, version: str = "v1", **kw: Any) -> Item:
    return Item(item_id, version, record, **kw)


def linked(sf: Item, mb: Item) -> MappingState:
    bases = {"salesforce": sf.record.field_hashes(), "mailbox": mb.record.field_hashes()}
    return build_mapping(
        {"salesforce": sf.id, "mailbox": mb.id},
        {"salesforce": sf.version, "mailbox": mb.version},
        bases,
    )


def page(*items: Item, deleted: tuple[str, ...] = (), full: bool = False) -> ChangePage:
    return ChangePage(list(items), list(deleted), "c1", full)


EMPTY = page()


def run(
    kind: Kind,
    sf: ChangePage,
    mb: ChangePage,
    mappings: list[MappingState] | None = None,
    known: dict[Side, dict[str, Item]] | None = None,
    **settings: Any,
) -> Plan:
    return plan(kind, sf, mb, mappings or [], SyncSettings(**settings), known)


def only(p: Plan) -> Action:
    assert len(p.actions) == 1, p.describe(skips=True)
    return p.actions[0]


def edited(it: Item, version: str = "v2", **kw: Any) -> Item:
    return replace(it, version=version, record=replace(it.record, **kw))


SF = item("003A", contact(1))
MB = item("AAMkA", contact(1))
M = linked(SF, MB)
ESF = item("00UA", event(1))
EMB = item("AAMkE", event(1))
EM = linked(ESF, EMB)


# ------------------------------------------------------------------ linked pairs, both present


def m1_no_change_skips() -> None:
    a = only(run("contacts", page(SF), page(MB), [M]))
    assert (a.rule, a.type, a.writes) == ("M1", "skip", ())
    assert a.bases is None  # nothing to save


def m1_server_rewrite_only_refreshes_the_version() -> None:
    a = only(run("contacts", page(replace(SF, version="v9")), EMPTY, [M]))
    assert (a.rule, a.type, a.writes) == ("M1", "skip", ())
    assert a.versions and a.versions["salesforce"] == "v9"


def m1_hash_moved_without_version_is_no_change() -> None:
    a = only(run("contacts", page(replace(SF, record=contact(1, title="CEO"))), EMPTY, [M]))
    assert (a.rule, a.writes) == ("M1", ())


def m2_change_on_one_side_updates_only_those_fields() -> None:
    a = only(run("contacts", page(edited(SF, title="CEO")), EMPTY, [M]))
    assert (a.rule, a.type) == ("M2", "update")
    (w,) = a.writes
    assert w.side == "mailbox" and isinstance(w.op, Update)
    assert w.op.fields == {"title"} and w.op.id == MB.id and w.op.expected_version == "v1"


def m2_mirror_mailbox_change_updates_salesforce() -> None:
    a = only(run("contacts", EMPTY, page(edited(MB, mobile_phone="+1 555")), [M]))
    (w,) = a.writes
    assert (a.rule, w.side, w.op.fields) == ("M2", "salesforce", {"mobile_phone"})  # type: ignore[union-attr]


def m3_change_that_does_not_flow_is_kept_on_its_side() -> None:
    a = only(
        run("contacts", EMPTY, page(edited(MB, title="X")), [M], direction="salesforce_to_mailbox")
    )
    assert (a.rule, a.type, a.writes) == ("M3", "skip", ())


def m5_different_fields_changed_on_both_sides_merge() -> None:
    a = only(
        run("contacts", page(edited(SF, title="CEO")), page(edited(MB, department="Ops")), [M])
    )
    assert (a.rule, a.type) == ("M5", "update")
    fields = {w.side: w.op.fields for w in a.writes}  # type: ignore[union-attr]
    assert fields == {"mailbox": {"title"}, "salesforce": {"department"}}


def m5_same_edit_on_both_sides_is_no_conflict() -> None:
    a = only(run("contacts", page(edited(SF, title="CEO")), page(edited(MB, title="CEO")), [M]))
    assert (a.rule, a.type, a.writes, a.conflicts) == ("M5", "skip", (), ())
    assert a.bases and a.versions  # the mapping is saved with both new versions


@pytest.mark.parametrize(
    ("policy", "winner"),
    [("salesforce", "salesforce"), ("mailbox", "mailbox"), ("newest", "mailbox")],
)
def m6_conflict_goes_to_the_policy(policy: str, winner: Side) -> None:
    sf = replace(edited(SF, title="SF title"), modified=T0)
    mb = replace(edited(MB, title="MB title"), modified=T0 + timedelta(minutes=5))
    a = only(run("contacts", page(sf), page(mb), [M], conflict=policy))
    assert (a.rule, a.type, a.conflicts) == ("M6", "conflict", ("title",))
    (w,) = a.writes
    assert w.side != winner and w.op.fields == {"title"}  # type: ignore[union-attr]
    source = sf if winner == "salesforce" else mb
    assert w.op.record == source.record  # type: ignore[union-attr]


def m6_newest_without_times_goes_to_salesforce() -> None:
    a = only(
        run(
            "contacts",
            page(edited(SF, title="a")),
            page(edited(MB, title="b")),
            [M],
            conflict="newest",
        )
    )
    assert a.writes[0].side == "mailbox"


def m7_one_way_conflict_goes_to_the_source() -> None:
    sf, mb = edited(SF, title="a"), edited(MB, title="b")
    a = only(
        run(
            "contacts",
            page(sf),
            page(mb),
            [M],
            direction="mailbox_to_salesforce",
            conflict="salesforce",
        )
    )
    assert (a.rule, a.type) == ("M7", "conflict")
    assert [w.side for w in a.writes] == ["salesforce"]


# ------------------------------------------------------------------ an item gone


def d1_contact_gone_from_salesforce_leaves_the_mailbox_folder() -> None:
    a = only(run("contacts", page(deleted=(SF.id,)), EMPTY, [M]))
    assert (a.rule, a.type) == ("D1", "delete")
    (w,) = a.writes
    assert w.side == "mailbox" and isinstance(w.op, Delete) and w.op.id == MB.id


def d1_contact_absent_from_a_full_salesforce_listing_counts_as_gone() -> None:
    other = item("003B", contact(2))
    a = run(
        "contacts", page(other, full=True), EMPTY, [M, linked(other, item("AAMkB", contact(2)))]
    )
    assert [x.rule for x in a.actions] == ["D1", "M1"]


def d1_a_mailbox_copy_lsync_made_leaves_the_folder() -> None:
    ours = replace(MB, marker=SF.id)
    a = only(run("contacts", page(deleted=(SF.id,)), EMPTY, [M], known={"mailbox": {MB.id: ours}}))
    assert (a.rule, a.type) == ("D1", "delete")


def d1c_a_contact_the_user_made_in_the_mailbox_stays_there() -> None:
    """Issue 12 item 1: made in Salesforce_Sync, created in Salesforce, then out of the filter."""
    for sf_page in (page(deleted=(SF.id,)), page(full=True)):
        a = only(run("contacts", sf_page, EMPTY, [M], known={"mailbox": {MB.id: MB}}))
        assert (a.rule, a.type, a.writes) == ("D1c", "unlink", ())
        assert a.tombstone and (a.tombstone.status, a.tombstone.gone) == ("detached", "salesforce")


def d1_absent_from_an_incremental_listing_is_not_a_deletion() -> None:
    assert run("contacts", EMPTY, EMPTY, [M]).actions == []


def d1b_contact_gone_from_salesforce_without_flow_to_mailbox_detaches() -> None:
    a = only(run("contacts", page(deleted=(SF.id,)), EMPTY, [M], direction="mailbox_to_salesforce"))
    assert (a.rule, a.type, a.writes) == ("D1b", "unlink", ())
    assert a.tombstone and (a.tombstone.status, a.tombstone.gone) == ("detached", "salesforce")


def d2_contact_deleted_in_the_mailbox_is_never_deleted_in_salesforce() -> None:
    a = only(run("contacts", page(edited(SF, title="x")), page(deleted=(MB.id,)), [M]))
    assert (a.rule, a.type, a.writes) == ("D2", "unlink", ())
    assert a.tombstone and (a.tombstone.status, a.tombstone.gone) == ("detached", "mailbox")


def d3_event_delete_propagates() -> None:
    a = only(run("events", EMPTY, page(deleted=(EMB.id,)), [EM], propagate_deletes=True))
    (w,) = a.writes
    assert (a.rule, w.side, type(w.op)) == ("D3", "salesforce", Delete)


def d3_one_way_source_delete_beats_a_target_edit() -> None:
    p = run(
        "events",
        page(deleted=(ESF.id,)),
        page(edited(EMB, location="x")),
        [EM],
        direction="salesforce_to_mailbox",
    )
    assert only(p).rule == "D3" and only(p).writes[0].side == "mailbox"


def d4_event_deleted_on_one_side_and_edited_on_the_other_is_created_again() -> None:
    a = only(run("events", page(deleted=(ESF.id,)), page(edited(EMB, location="Room 9")), [EM]))
    (w,) = a.writes
    assert (a.rule, a.type, w.side) == ("D4", "create", "salesforce")
    assert isinstance(w.op, Create) and w.op.record.location == "Room 9"  # type: ignore[union-attr]


def d4_recreated_in_the_mailbox_carries_the_marker() -> None:
    a = only(run("events", page(edited(ESF, location="Room 9")), page(deleted=(EMB.id,)), [EM]))
    (w,) = a.writes
    assert isinstance(w.op, Create) and w.op.marker == ESF.id


def d5_event_delete_does_not_propagate_when_switched_off() -> None:
    a = only(run("events", EMPTY, page(deleted=(EMB.id,)), [EM], propagate_deletes=False))
    assert (a.rule, a.type, a.writes) == ("D5", "unlink", ())


def d5_delete_on_a_side_that_does_not_flow_detaches() -> None:
    a = only(run("events", EMPTY, page(deleted=(EMB.id,)), [EM], direction="salesforce_to_mailbox"))
    assert a.rule == "D5"


def d9_deleted_on_both_sides_forgets_the_mapping() -> None:
    a = only(run("events", page(deleted=(ESF.id,)), page(deleted=(EMB.id,)), [EM]))
    assert (a.rule, a.type, a.forget) == ("D9", "unlink", True)


# ------------------------------------------------------------------ scope


def s1_private_item_does_not_flow_but_receives_changes() -> None:
    sf = edited(ESF, private=True, location="secret")
    a = only(run("events", page(sf), EMPTY, [EM], sync_private=False))
    assert (a.rule, a.type, a.writes) == ("S1", "skip", ())
    mb = edited(EMB, subject="Renamed")
    b = only(run("events", page(sf), page(mb), [EM], sync_private=False))
    assert b.rule == "S1" and [w.side for w in b.writes] == ["salesforce"]


def s1_series_not_synced_when_switched_off() -> None:
    sf = edited(ESF, recurrence="FREQ=WEEKLY")
    a = only(run("events", page(sf), EMPTY, [EM], sync_series=False))
    assert (a.rule, a.writes) == ("S1", ())


def s2_deleted_while_the_other_is_out_of_scope_detaches() -> None:
    sf = edited(ESF, private=True)
    a = only(run("events", page(sf), page(deleted=(EMB.id,)), [EM], sync_private=False))
    assert (a.rule, a.type, a.writes) == ("S2", "unlink", ())


def s3_unlinked_out_of_scope_item_is_ignored() -> None:
    p = run("events", page(item("00UP", event(5, private=True))), EMPTY, sync_private=False)
    assert p.actions == []


# ------------------------------------------------------------------ tombstones


TOMB = replace(M, status="detached", gone="mailbox")


def t1_survivor_deleted_forgets_the_tombstone() -> None:
    a = only(run("contacts", page(deleted=(SF.id,)), EMPTY, [TOMB]))
    assert (a.rule, a.forget) == ("T1", True)


def t2_survivor_change_does_nothing() -> None:
    assert run("contacts", page(edited(SF, title="x")), EMPTY, [TOMB]).actions == []


def t2_a_surviving_mailbox_copy_with_a_marker_stays_quiet_in_full_listings() -> None:
    tomb = replace(EM, status="detached", gone="salesforce")
    survivor = replace(EMB, marker=ESF.id)
    p = run("events", page(full=True), page(survivor, full=True), [tomb], propagate_deletes=False)
    assert p.actions == []


def t3_new_item_matching_the_survivor_links_again() -> None:
    again = item("AAMkNEW", contact(1))
    p = run("contacts", EMPTY, page(again), [TOMB], known={"salesforce": {SF.id: SF}})
    a = only(p)
    assert (a.rule, a.type, a.ids) == ("U2", "link", {"salesforce": SF.id, "mailbox": again.id})


# ------------------------------------------------------------------ unlinked items


def u1_marker_links_to_its_salesforce_item() -> None:
    mb = item("AAMkX", contact(1, title="copy"), marker=SF.id)
    a = only(run("contacts", page(SF), page(mb)))
    assert (a.rule, a.type, a.ids) == ("U1", "link", {"salesforce": SF.id, "mailbox": mb.id})


def u1_marker_takes_over_a_link_whose_mailbox_item_was_deleted() -> None:
    mb = item("AAMkNEW", contact(1), marker=SF.id)
    p = run("contacts", page(SF), page(mb, deleted=(MB.id,)), [M])
    assert [a.rule for a in p.actions] == ["U1"]


def u1b_marker_of_a_salesforce_item_that_is_gone() -> None:
    mb = item("AAMkX", contact(1), marker="003GONE")
    a = only(run("contacts", page(deleted=("003GONE",)), page(mb)))
    assert (a.rule, a.writes[0].side) == ("D1", "mailbox")


def u1c_marker_copied_onto_another_item_is_ignored() -> None:
    copy = item("AAMkCOPY", contact(7), marker=SF.id)
    p = run("contacts", page(SF), page(MB, copy), [M])
    assert sorted(a.rule for a in p.actions) == ["M1", "U7"]


def u2_contacts_match_by_email_before_creating() -> None:
    sf = item("003N", contact(3, title="SF"))
    mb = item("AAMkN", contact(3, first_name="Other", title="MB"))
    a = only(run("contacts", page(sf), page(mb)))
    assert (a.rule, a.type) == ("U2", "link")
    (w,) = a.writes
    assert w.side == "mailbox" and w.op.fields == {"first_name", "title"}  # type: ignore[union-attr]


def u2_events_match_by_subject_start_end() -> None:
    sf = item("00UN", event(3, location="A"))
    mb = item("AAMkN", event(3, location="B"))
    a = only(run("events", page(sf), page(mb), conflict="mailbox"))
    assert (a.rule, a.writes[0].side) == ("U2", "salesforce")


def u2_match_found_by_find_outside_the_page() -> None:
    mb = item("AAMkN", contact(3))
    a = only(run("contacts", page(item("003N", contact(3))), EMPTY, known={"mailbox": {mb.id: mb}}))
    assert (a.rule, a.writes) == ("U2", ())


def u3_contacts_match_by_first_last_company() -> None:
    sf = item("003N", contact(3, emails=["old@x.com"]))
    mb = item("AAMkN", contact(3, emails=["new@x.com"]))
    assert only(run("contacts", page(sf), page(mb))).rule == "U3"


def u5_pending_salesforce_create_is_found_by_content() -> None:
    mb = item("AAMkP", contact(4), version="m1")
    h = mb.record.field_hashes()
    pend = build_mapping(
        {"mailbox": mb.id}, {"mailbox": "m1"}, {"salesforce": h, "mailbox": h}, status="pending"
    )
    created = item("003P", contact(4), version="s1")
    a = only(run("contacts", page(created), page(mb), [pend]))
    assert (a.rule, a.writes) == ("M1", ())
    assert a.ids == {"salesforce": "003P", "mailbox": mb.id} and a.versions and a.bases


def _pending_event(record: Event) -> tuple[Item, MappingState]:
    mb = item("AAMkP", record, version="m1")
    h = record.field_hashes()
    pend = build_mapping(
        {"mailbox": mb.id}, {"mailbox": "m1"}, {"salesforce": h, "mailbox": h}, status="pending"
    )
    return mb, pend


def u5_a_copy_reworked_in_three_fields_is_still_found() -> None:
    written = event(4, location="Room 1", description="Agenda", show_as="busy")
    mb, pend = _pending_event(written)
    later = timedelta(hours=2)
    reworked = replace(written, subject="Renamed", start=written.start + later,
                       end=written.end + later)  # fmt: skip
    a = only(run("events", page(item("00UP", reworked, version="s1")), page(mb), [pend]))
    assert a.ids == {"salesforce": "00UP", "mailbox": mb.id}
    assert not any(isinstance(w.op, Create) for w in a.writes)


def u5_another_event_on_the_same_day_is_not_taken_for_the_copy() -> None:
    day = T0.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=4)
    written = event(4, start=day, end=day + timedelta(days=1), all_day=True,
                    location="Oslo", description="soak#1 notes", show_as="free")  # fmt: skip
    mb, pend = _pending_event(written)
    other = replace(written, subject="Holiday", location="Bergen", description="soak#2 notes")
    p = run("events", page(item("00UO", other, version="s1")), page(mb), [pend])
    assert not any(a.ids == {"salesforce": "00UO", "mailbox": mb.id} for a in p.actions)
    creates = sorted(w.side for a in p.actions for w in a.writes if isinstance(w.op, Create))
    assert creates == ["mailbox", "salesforce"]


def u5b_pending_create_of_a_deleted_item_is_forgotten() -> None:
    pend = MappingState("", "AAMkP", "", "m1", status="pending")
    a = only(run("contacts", EMPTY, page(deleted=("AAMkP",)), [pend]))
    assert (a.rule, a.forget) == ("U5b", True)


def u5b_pending_create_of_an_item_now_out_of_scope_is_forgotten() -> None:
    mb = item("AAMkP", event(4, private=True), version="m2")
    pend = MappingState("", mb.id, "", "m1", status="pending")
    a = only(run("events", EMPTY, page(mb), [pend], sync_private=False))
    assert (a.rule, a.forget) == ("U5b", True)


def u5e_pending_create_that_landed_before_its_source_was_deleted_is_deleted_too() -> None:
    h = event(4).field_hashes()
    pend = build_mapping(
        {"mailbox": "AAMkP"}, {"mailbox": "m1"}, {"salesforce": h, "mailbox": h}, status="pending"
    )
    landed = item("00UP", event(4), version="s1")
    a = only(run("events", page(landed), page(deleted=("AAMkP",)), [pend]))
    assert a.ids == {"salesforce": "00UP", "mailbox": "AAMkP"}
    assert [(w.side, type(w.op).__name__) for w in a.writes] == [("salesforce", "Delete")]


def u5e_a_record_that_only_resembles_the_deleted_source_is_left_alone() -> None:
    h = event(4).field_hashes()
    pend = build_mapping(
        {"mailbox": "AAMkP"}, {"mailbox": "m1"}, {"salesforce": h, "mailbox": h}, status="pending"
    )
    other = item("00UQ", event(4, subject="Another meeting", location="Elsewhere"))
    p = run("events", page(other), page(deleted=("AAMkP",)), [pend])
    assert [(a.rule, a.forget) for a in p.actions if a.rule == "U5b"] == [("U5b", True)]
    assert not any(w.op.__class__.__name__ == "Delete" for a in p.actions for w in a.writes)


def u7_no_match_creates_on_the_other_side() -> None:
    p = run("contacts", page(item("003N", contact(3))), page(item("AAMkZ", contact(9))))
    by_side = {a.writes[0].side: a.writes[0].op for a in p.actions}
    assert [a.rule for a in p.actions] == ["U7", "U7"]
    assert isinstance(by_side["mailbox"], Create) and by_side["mailbox"].marker == "003N"
    assert isinstance(by_side["salesforce"], Create) and by_side["salesforce"].marker is None


def u8_no_match_where_changes_do_not_flow_skips() -> None:
    p = run("contacts", EMPTY, page(item("AAMkZ", contact(9))), direction="salesforce_to_mailbox")
    assert [(a.rule, a.type) for a in p.actions] == [("U8", "skip")]


def off_direction_plans_nothing() -> None:
    assert run("contacts", page(item("003N", contact(3))), EMPTY, direction="off").actions == []


ROWS: list[Callable[..., None]] = [
    m1_no_change_skips,
    m1_server_rewrite_only_refreshes_the_version,
    m1_hash_moved_without_version_is_no_change,
    m2_change_on_one_side_updates_only_those_fields,
    m2_mirror_mailbox_change_updates_salesforce,
    m3_change_that_does_not_flow_is_kept_on_its_side,
    m5_different_fields_changed_on_both_sides_merge,
    m5_same_edit_on_both_sides_is_no_conflict,
    m6_newest_without_times_goes_to_salesforce,
    m7_one_way_conflict_goes_to_the_source,
    d1_contact_gone_from_salesforce_leaves_the_mailbox_folder,
    d1_contact_absent_from_a_full_salesforce_listing_counts_as_gone,
    d1_absent_from_an_incremental_listing_is_not_a_deletion,
    d1_a_mailbox_copy_lsync_made_leaves_the_folder,
    d1c_a_contact_the_user_made_in_the_mailbox_stays_there,
    d1b_contact_gone_from_salesforce_without_flow_to_mailbox_detaches,
    d2_contact_deleted_in_the_mailbox_is_never_deleted_in_salesforce,
    d3_event_delete_propagates,
    d3_one_way_source_delete_beats_a_target_edit,
    d4_event_deleted_on_one_side_and_edited_on_the_other_is_created_again,
    d4_recreated_in_the_mailbox_carries_the_marker,
    d5_event_delete_does_not_propagate_when_switched_off,
    d5_delete_on_a_side_that_does_not_flow_detaches,
    d9_deleted_on_both_sides_forgets_the_mapping,
    s1_private_item_does_not_flow_but_receives_changes,
    s1_series_not_synced_when_switched_off,
    s2_deleted_while_the_other_is_out_of_scope_detaches,
    s3_unlinked_out_of_scope_item_is_ignored,
    t1_survivor_deleted_forgets_the_tombstone,
    t2_survivor_change_does_nothing,
    t2_a_surviving_mailbox_copy_with_a_marker_stays_quiet_in_full_listings,
    t3_new_item_matching_the_survivor_links_again,
    u1_marker_links_to_its_salesforce_item,
    u1_marker_takes_over_a_link_whose_mailbox_item_was_deleted,
    u1b_marker_of_a_salesforce_item_that_is_gone,
    u1c_marker_copied_onto_another_item_is_ignored,
    u2_contacts_match_by_email_before_creating,
    u2_events_match_by_subject_start_end,
    u2_match_found_by_find_outside_the_page,
    u3_contacts_match_by_first_last_company,
    u5_pending_salesforce_create_is_found_by_content,
    u5_a_copy_reworked_in_three_fields_is_still_found,
    u5_another_event_on_the_same_day_is_not_taken_for_the_copy,
    u5b_pending_create_of_a_deleted_item_is_forgotten,
    u5b_pending_create_of_an_item_now_out_of_scope_is_forgotten,
    u5e_pending_create_that_landed_before_its_source_was_deleted_is_deleted_too,
    u5e_a_record_that_only_resembles_the_deleted_source_is_left_alone,
    u7_no_match_creates_on_the_other_side,
    u8_no_match_where_changes_do_not_flow_skips,
    off_direction_plans_nothing,
]


@pytest.mark.parametrize(
    "row",
    ROWS,
    ids=lambda f: (
        f.__name__.replace("_", "-", 1).upper().split("-")[0] + "-" + f.__name__.split("_", 1)[1]
    ),
)
def test_decision_table_row(row: Callable[[], None]) -> None:
    row()


test_decision_table_m6_conflict_goes_to_the_policy = m6_conflict_goes_to_the_policy
