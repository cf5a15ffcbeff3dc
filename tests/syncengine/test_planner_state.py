"""The bookkeeping the planner keeps in a mapping's `hashes` survives any repo that stores a dict."""

from __future__ import annotations

from syncengine.state import (
    DETACHED,
    MappingState,
    build_mapping,
    compose_hashes,
    detached_side,
    is_pending,
    pending_id,
    side_hashes,
)


def test_per_side_hashes_round_trip_through_one_dict() -> None:
    sf = {"emails": "a", "title": "t"}
    mb = {"emails": "ab", "title": "t"}
    stored = compose_hashes(sf, mb)
    assert stored == {"emails": "a", "title": "t", "mailbox:emails": "ab"}
    m = MappingState("003", "M", "1", "2", stored)
    assert side_hashes(m, "salesforce") == sf and side_hashes(m, "mailbox") == mb


def test_pending_ids_fit_a_salesforce_id_column_and_differ_per_item() -> None:
    a, b = pending_id("AAMkA" * 30), pending_id("AAMkB" * 30)
    assert len(a) == 18 and a != b and a.startswith("~")
    m = build_mapping({"salesforce": a, "mailbox": "M"}, {}, {}, extra={"_pending": "1"})
    assert is_pending(m) and detached_side(m) is None
    assert side_hashes(m, "salesforce") == {}


def test_a_tombstone_names_the_side_that_is_gone() -> None:
    m = MappingState("003", "M", "1", "2", {"title": "t", DETACHED: "mailbox"})
    assert detached_side(m) == "mailbox" and not is_pending(m)
    assert side_hashes(m, "mailbox") == {"title": "t"}
