"""`syncengine.stores.occurrences`: which modified occurrences of a series went, from what the
cursor knew and the series read again (the Exchange and CalDAV stores report them deleted)."""

from __future__ import annotations

from syncengine.stores.occurrences import Known, short_key, vanished


def test_an_occurrence_no_longer_modified_in_a_series_read_again_has_gone() -> None:
    known: Known = {"s1": ["a", "b"], "s2": ["c"]}
    assert vanished(known, {"s1": ["b", "d"]}, ["s1"]) == [("s1", "a")]
    assert known == {"s1": ["b", "d"], "s2": ["c"]}


def test_a_deleted_series_takes_every_modified_occurrence_it_had() -> None:
    known: Known = {"s1": ["a", "b"]}
    assert vanished(known, {}, ["s1"]) == [("s1", "a"), ("s1", "b")]
    assert known == {}


def test_series_not_read_again_keep_what_the_cursor_knew() -> None:
    known: Known = {"s1": ["a"]}
    assert vanished(known, {"s2": ["x"]}, ["s2"]) == []
    assert known == {"s1": ["a"], "s2": ["x"]}


def test_a_short_key_is_stable_and_short() -> None:
    long_id = "AAMk" + "x" * 200
    assert short_key(long_id) == short_key(long_id) and len(short_key(long_id)) == 12
    assert short_key(long_id) != short_key(long_id + "y")
