"""Row U5f of docs/decision-table.md: a pending Salesforce create recognised by when its record
was created and by its notes, after the user changed more of it than row U5 sees through."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from syncengine.state import MappingState, build_mapping
from syncengine.stores.base import Create, Item
from tests.syncengine.test_planner_table import T0, event, item, page, run

SAVED = T0 + timedelta(days=1)  # the pending row saved, just before its create went out
WRITTEN = event(4, location="Room 1", description="soak#7 notes", show_as="busy")


def pending(mailbox_id: str = "AAMkP", record: object = WRITTEN) -> tuple[Item, MappingState]:
    mb = item(mailbox_id, record, version="m1")  # type: ignore[arg-type]
    h = mb.record.field_hashes()
    row = build_mapping(
        {"mailbox": mb.id}, {"mailbox": "m1"}, {"salesforce": h, "mailbox": h}, status="pending"
    )
    return mb, replace(row, since=SAVED)


def reworked(n: int = 9) -> object:
    later = timedelta(hours=3)
    return replace(
        WRITTEN, subject=f"Renamed {n}", location=f"Room {n}", show_as="free",
        start=WRITTEN.start + later, end=WRITTEN.end + later, private=True,
    )  # fmt: skip


def created_at(item_id: str, seconds: float, record: object) -> Item:
    return item(item_id, record, version="s1", created=SAVED + timedelta(seconds=seconds))  # type: ignore[arg-type]


def links(p: object, sf_id: str, mb_id: str) -> bool:
    return any(a.ids == {"salesforce": sf_id, "mailbox": mb_id} for a in p.actions)  # type: ignore[attr-defined]


def creates(p: object) -> list[str]:
    return sorted(w.side for a in p.actions for w in a.writes if isinstance(w.op, Create))  # type: ignore[attr-defined]


def test_a_record_created_while_the_batch_was_out_is_the_copy_however_much_it_changed() -> None:
    mb, pend = pending()
    p = run("events", page(created_at("00UP", 1, reworked())), page(mb), [pend])
    assert links(p, "00UP", mb.id)
    assert creates(p) == []


def test_a_record_whose_notes_changed_too_is_not_taken_for_the_copy() -> None:
    mb, pend = pending()
    renoted = replace(reworked(), description="someone else's notes")
    p = run("events", page(created_at("00UU", 1, renoted)), page(mb), [pend])
    assert not links(p, "00UU", mb.id)
    assert creates(p) == ["mailbox", "salesforce"]


def test_a_record_created_long_after_the_create_went_out_is_not_taken_for_the_copy() -> None:
    mb, pend = pending()
    p = run("events", page(created_at("00UU", 600, reworked())), page(mb), [pend])
    assert not links(p, "00UU", mb.id)
    assert creates(p) == ["mailbox", "salesforce"]


def test_a_record_created_before_the_pending_row_was_saved_is_not_taken_for_the_copy() -> None:
    mb, pend = pending()
    p = run("events", page(created_at("00UU", -300, reworked())), page(mb), [pend])
    assert not links(p, "00UU", mb.id)


def test_a_pending_row_not_known_to_have_gone_out_recognises_nothing_by_time() -> None:
    mb, pend = pending()
    p = run(
        "events", page(created_at("00UP", 1, reworked())), page(mb), [replace(pend, since=None)]
    )
    assert not links(p, "00UP", mb.id)


def test_of_two_records_made_then_the_one_holding_more_of_what_was_written_is_the_copy() -> None:
    mb, pend = pending()
    closer = replace(reworked(1), location=WRITTEN.location, private=WRITTEN.private)
    sf = page(created_at("00UA", 1, reworked(2)), created_at("00UB", 2, closer))
    p = run("events", sf, page(mb), [pend])
    assert links(p, "00UB", mb.id) and not links(p, "00UA", mb.id)


def test_two_records_made_then_that_hold_as_much_of_it_are_a_guess_and_neither_is_taken() -> None:
    mb, pend = pending()
    sf = page(created_at("00UA", 1, reworked(2)), created_at("00UB", 2, reworked(3)))
    p = run("events", sf, page(mb), [pend])
    assert not links(p, "00UA", mb.id) and not links(p, "00UB", mb.id)


def test_a_record_holding_what_another_pending_create_wrote_is_left_to_that_one() -> None:
    mb, pend = pending()
    other_written = event(6, location="Hall", description="soak#8 notes")
    other_mb, other_pend = pending("AAMkQ", other_written)
    sf = page(created_at("00UQ", 1, other_written))
    p = run("events", sf, page(mb, other_mb), [pend, other_pend])
    assert links(p, "00UQ", other_mb.id) and not links(p, "00UQ", mb.id)
