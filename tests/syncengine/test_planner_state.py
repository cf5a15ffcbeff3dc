"""A mapping's state, side ids and intents are fields of their own; `hashes` holds field hashes only."""

from __future__ import annotations

from syncengine.state import (
    MappingState,
    MemoryRepo,
    build_mapping,
    compose_hashes,
    detached_side,
    intents,
    is_linked,
    is_pending,
    side_hashes,
    with_intents,
    without_intents,
)


def test_per_side_hashes_round_trip_through_one_dict() -> None:
    sf = {"emails": "a", "title": "t"}
    mb = {"emails": "ab", "title": "t"}
    stored = compose_hashes(sf, mb)
    assert stored == {"emails": "a", "title": "t", "mailbox:emails": "ab"}
    m = MappingState("003", "M", "1", "2", stored)
    assert side_hashes(m, "salesforce") == sf and side_hashes(m, "mailbox") == mb


def test_a_pending_row_has_no_salesforce_id_and_is_kept_by_its_mailbox_id() -> None:
    a = build_mapping({"mailbox": "AAMkA"}, {"mailbox": "m1"}, {}, status="pending")
    b = build_mapping({"mailbox": "AAMkB"}, {"mailbox": "m1"}, {}, status="pending")
    assert a.salesforce_id == "" and is_pending(a) and not is_linked(a)
    assert detached_side(a) is None and side_hashes(a, "salesforce") == {}
    repo = MemoryRepo()
    repo.upsert(a)
    repo.upsert(b)
    assert sorted(m.mailbox_id for m in repo.load()) == ["AAMkA", "AAMkB"]
    repo.upsert(MappingState("003A", "AAMkA", "v", "m1"))  # the create landed: linked now
    assert sorted((m.salesforce_id, m.status) for m in repo.load()) == [
        ("", "pending"),
        ("003A", "synced"),
    ]


def test_a_tombstone_names_the_side_that_is_gone() -> None:
    m = MappingState("003", "M", "1", "2", {"title": "t"}, status="detached", gone="mailbox")
    assert detached_side(m) == "mailbox" and not is_pending(m) and not is_linked(m)
    assert side_hashes(m, "mailbox") == {"title": "t"}


def test_intents_are_noted_per_side_apart_from_the_hashes() -> None:
    m = MappingState("003", "M", "1", "2", {"title": "t"})
    noted = with_intents(with_intents(m, "mailbox", {"title": "u"}), "salesforce", {"phone": "p"})
    assert sorted(intents(noted)) == [("mailbox", "title", "u"), ("salesforce", "phone", "p")]
    assert noted.hashes == {"title": "t"} and m.intents == {}
    assert without_intents(noted).intents == {} and intents(without_intents(noted)) == []
