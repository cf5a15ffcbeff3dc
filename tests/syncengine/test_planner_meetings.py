"""Issue 11 item 1, who owns a meeting, as planner rows (docs/meetings.md).

`Item.invitation` marks a mailbox event the user only attends; `SyncSettings.syncing` holds the
mailbox addresses of the users who sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from syncengine.records import Attendee, Event
from syncengine.stores.base import Create, Invitation, Item, Update
from tests.syncengine.test_planner_table import (
    EM,
    EMB,
    EMPTY,
    ESF,
    edited,
    event,
    item,
    linked,
    only,
    page,
    run,
)

COLLEAGUE = "bo@nordvik.example"
CUSTOMER = "cy@customer.example"
SYNCING = {"syncing": frozenset({"ana@nordvik.example", COLLEAGUE})}


def invited(it: Item, organizer: str, response: str = "accepted") -> Item:
    return replace(it, invitation=Invitation(organizer, "UID-1", response))


def o1_an_invitation_from_a_colleague_who_syncs_is_the_organizers_event() -> None:
    copy = invited(item("AAMkI", event(4)), COLLEAGUE)
    a = only(run("events", EMPTY, page(copy), **SYNCING))
    assert (a.rule, a.type, a.writes) == ("O1", "skip", ())


def o2_an_invitation_from_outside_stays_out_when_switched_off() -> None:
    copy = invited(item("AAMkI", event(4)), CUSTOMER)
    a = only(run("events", EMPTY, page(copy), outside_meetings=False, **SYNCING))
    assert (a.rule, a.type, a.writes) == ("O2", "skip", ())


def o3_an_invitation_from_outside_becomes_one_salesforce_event() -> None:
    copy = invited(item("AAMkI", event(4)), CUSTOMER)
    a = only(run("events", EMPTY, page(copy), **SYNCING))
    assert (a.rule, a.type) == ("U7", "create")
    (w,) = a.writes
    assert w.side == "salesforce" and isinstance(w.op, Create)


def o3b_the_syncing_attendee_with_the_smallest_address_holds_an_outside_meeting() -> None:
    record = replace(event(4), attendees=())
    meeting = Event.normalized(
        subject=record.subject, start=record.start, end=record.end,
        attendees=["ana@nordvik.example", COLLEAGUE, CUSTOMER],
    )  # fmt: skip
    bo_copy = invited(item("AAMkB", meeting), CUSTOMER)
    a = only(run("events", EMPTY, page(bo_copy), mailbox=COLLEAGUE, **SYNCING))
    assert (a.rule, a.type, a.writes) == ("O3b", "skip", ())
    assert "ana@nordvik.example's Salesforce event" in a.reason
    ana_copy = invited(item("AAMkA", meeting), CUSTOMER)
    b = only(run("events", EMPTY, page(ana_copy), mailbox="ana@nordvik.example", **SYNCING))
    assert (b.rule, b.type) == ("U7", "create")


def o4_a_salesforce_edit_is_never_written_to_an_attendees_copy() -> None:
    copy = invited(EMB, CUSTOMER)
    m = EM
    a = only(run("events", page(edited(ESF, subject="Renamed in Salesforce")), page(), [m]))
    assert a.rule == "M2"  # the user's own event: written to the mailbox
    b = only(
        run("events", page(edited(ESF, subject="Renamed in Salesforce")), page(copy), [m],
            **SYNCING)
    )  # fmt: skip
    assert (b.rule, b.writes) == ("O4", ())


def o4_the_organizers_changes_to_the_copy_still_reach_salesforce() -> None:
    copy = invited(edited(EMB, location="Room 4"), CUSTOMER)
    a = only(run("events", EMPTY, page(copy), [EM], **SYNCING))
    (w,) = a.writes
    assert a.rule == "M2" and w.side == "salesforce" and isinstance(w.op, Update)


def o4_both_changed_the_organizers_copy_wins_and_nothing_goes_to_the_mailbox() -> None:
    sf = edited(ESF, subject="Ours")
    copy = invited(edited(EMB, subject="Theirs"), CUSTOMER)
    a = only(run("events", page(sf), page(copy), [EM], **SYNCING))
    assert [w.side for w in a.writes] == ["salesforce"]
    (w,) = a.writes
    assert isinstance(w.op, Update) and w.op.record.subject == "Theirs"


def o4b_deleted_in_salesforce_the_attendees_copy_is_left_alone() -> None:
    copy = invited(EMB, CUSTOMER)
    a = only(run("events", page(deleted=(ESF.id,)), page(copy), [EM], **SYNCING))
    assert (a.rule, a.type, a.writes) == ("O4b", "unlink", ())


def o4c_linking_to_an_attendees_copy_writes_only_to_salesforce() -> None:
    sf = item("00UX", event(6, location="HQ"))
    copy = invited(item("AAMkX", event(6, location="Their office")), CUSTOMER)
    a = only(run("events", page(sf), page(copy), **SYNCING))
    assert a.type == "link" and [w.side for w in a.writes] == ["salesforce"]


def o5_an_answer_on_the_organizers_copy_goes_to_the_invitees_status() -> None:
    guests = (Attendee.normalized(COLLEAGUE),)
    sf = replace(ESF, record=replace(ESF.record, attendees=guests))
    mb = replace(EMB, record=replace(EMB.record, attendees=guests))
    m = linked(sf, mb)
    replied = replace(mb, version="v2", record=replace(mb.record, attendees=(
        Attendee.normalized(COLLEAGUE, response="accepted"),)))  # fmt: skip
    a = only(run("events", EMPTY, page(replied), [m], **SYNCING))
    (w,) = a.writes
    assert (a.rule, a.type, w.side) == ("O5", "update", "salesforce")
    assert isinstance(w.op, Update) and w.op.fields == {"attendees"}
    # Salesforce read in this run and already holding the answer: nothing to write.
    known = replace(sf, record=replied.record)
    b = only(run("events", page(known), page(replied), [m], **SYNCING))
    assert (b.rule, b.writes) == ("M1", ())
    # One way from Salesforce: answers stay in the mailbox.
    c = only(run("events", EMPTY, page(replied), [m], direction="salesforce_to_mailbox"))
    assert (c.rule, c.writes) == ("M1", ())


def o5_a_copy_lsync_created_is_read_again_without_writing_its_answers_back() -> None:
    """The CalDAV demo's second run: the meeting lsync had written to the organizer's calendar,
    with an invitee's answer from Salesforce, went back to Salesforce as "updated salesforce 1"."""
    guests = (Attendee.normalized(COLLEAGUE, response="accepted"),)
    sf = replace(ESF, record=replace(ESF.record, attendees=guests))
    mb = replace(EMB, record=replace(EMB.record, attendees=guests))
    created = replace(linked(sf, mb), mailbox_version="")  # partial.UNKNOWN after a create
    a = only(run("events", EMPTY, page(mb), [created], **SYNCING))
    assert (a.rule, a.writes) == ("M1", ())
    assert a.versions == {"salesforce": sf.version, "mailbox": mb.version}


ROWS = [
    o1_an_invitation_from_a_colleague_who_syncs_is_the_organizers_event,
    o2_an_invitation_from_outside_stays_out_when_switched_off,
    o3_an_invitation_from_outside_becomes_one_salesforce_event,
    o3b_the_syncing_attendee_with_the_smallest_address_holds_an_outside_meeting,
    o4_a_salesforce_edit_is_never_written_to_an_attendees_copy,
    o4_the_organizers_changes_to_the_copy_still_reach_salesforce,
    o4_both_changed_the_organizers_copy_wins_and_nothing_goes_to_the_mailbox,
    o4b_deleted_in_salesforce_the_attendees_copy_is_left_alone,
    o4c_linking_to_an_attendees_copy_writes_only_to_salesforce,
    o5_an_answer_on_the_organizers_copy_goes_to_the_invitees_status,
    o5_a_copy_lsync_created_is_read_again_without_writing_its_answers_back,
]


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.__name__)
def test_meeting_row(row: Callable[[], None]) -> None:
    row()
