"""The contract every store passes (ARCHITECTURE §9), whatever the provider behind it.

Use it by subclassing `StoreContract` in a test module and providing:

- a pytest fixture `store`: a fresh, empty store (any side, kind "contacts" or "events");
- the hooks below, which do through the provider's back door what a user or the provider would do
  (for the sandbox emulators: their control surface). They are the only things not done through
  the store interface:
    `out_of_band_put(store, record) -> id`      a user creates an item
    `out_of_band_edit(store, id, record)`       a user edits an item
    `out_of_band_delete(store, id)`             a user deletes an item
    `expire_cursor(store)`                      the provider invalidates every cursor handed out

Records are compared through the store's optional `canonical(record)` (what a lossy side keeps).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncengine.records import Contact, Event
from syncengine.stores.base import (
    ChangePage,
    Create,
    CursorExpired,
    Delete,
    NotFound,
    Store,
    Update,
    VersionMismatch,
)

Record = Contact | Event


def sample(kind: str, n: int, **changes: Any) -> Record:
    """A distinct, valid record of `kind` (n makes it unique, also in its match keys)."""
    if kind == "contacts":
        fields: dict[str, Any] = {
            "first_name": f"Ana{n}",
            "last_name": f"Núñez{n}",
            "emails": [f"ana{n}@example.com"],
            "company": "Acme",
            "mobile_phone": f"+47 900 00 {n:03d}",
            "title": "Buyer",
        }
        fields.update(changes)
        return Contact.normalized(**fields)
    start = datetime(2026, 5, 4, 9, tzinfo=UTC) + timedelta(days=n)
    fields = {
        "subject": f"Review {n}",
        "start": start,
        "end": start + timedelta(hours=1),
        "time_zone": "Europe/Oslo",
        "location": "Room 1",
        "description": "Agenda",
    }
    fields.update(changes)
    return Event.normalized(**fields)


def changed(kind: str, n: int) -> Record:
    if kind == "contacts":
        return sample(kind, n, title="Head of purchasing")
    return sample(kind, n, location="Room 2")


class StoreContract:
    # ------------------------------------------------------------------ hooks for subclasses

    def out_of_band_put(self, store: Store, record: Record) -> str:
        raise NotImplementedError

    def out_of_band_edit(self, store: Store, item_id: str, record: Record) -> None:
        raise NotImplementedError

    def out_of_band_delete(self, store: Store, item_id: str) -> None:
        raise NotImplementedError

    def expire_cursor(self, store: Store) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers

    def canon(self, store: Store, record: Record) -> Record:
        canonical = getattr(store, "canonical", None)
        return canonical(record) if canonical else record

    def create(self, store: Store, *records: Record) -> list[str]:
        results = store.apply([Create(f"r{i}", r) for i, r in enumerate(records)])
        assert all(r.ok for r in results), results
        return [r.id for r in results if r.id]

    def full(self, store: Store) -> ChangePage:
        page = store.changes(None)
        assert page.full
        return page

    # ------------------------------------------------------------------ listing

    def test_full_listing_of_an_empty_store_is_empty_and_gives_a_cursor(self, store: Store) -> None:
        page = self.full(store)
        assert page.changed == []
        assert page.cursor is not None

    def test_full_listing_returns_every_item_with_id_version_and_record(self, store: Store) -> None:
        records = [sample(store.kind, n) for n in range(3)]
        ids = self.create(store, *records)
        page = self.full(store)
        by_id = {it.id: it for it in page.changed}
        assert set(by_id) == set(ids)
        for item_id, record in zip(ids, records, strict=True):
            assert by_id[item_id].version
            assert by_id[item_id].record == self.canon(store, record)

    def test_incremental_listing_returns_only_what_changed_after_the_cursor(
        self, store: Store
    ) -> None:
        first, second = self.create(store, sample(store.kind, 1), sample(store.kind, 2))
        cursor = self.full(store).cursor
        self.out_of_band_edit(store, first, changed(store.kind, 1))
        page = store.changes(cursor)
        assert not page.full
        assert [it.id for it in page.changed] == [first]
        assert page.changed[0].record == self.canon(store, changed(store.kind, 1))
        assert second not in page.deleted

    def test_incremental_listing_reports_deleted_ids(self, store: Store) -> None:
        first, second = self.create(store, sample(store.kind, 1), sample(store.kind, 2))
        cursor = self.full(store).cursor
        self.out_of_band_delete(store, second)
        page = store.changes(cursor)
        assert second in page.deleted
        assert second not in {it.id for it in page.changed}
        assert first not in page.deleted

    def test_an_out_of_band_create_appears_in_the_next_incremental_listing(
        self, store: Store
    ) -> None:
        cursor = self.full(store).cursor
        new_id = self.out_of_band_put(store, sample(store.kind, 7))
        page = store.changes(cursor)
        assert new_id in {it.id for it in page.changed}

    def test_an_incremental_listing_with_no_change_is_empty(self, store: Store) -> None:
        self.create(store, sample(store.kind, 1))
        cursor = self.full(store).cursor
        page = store.changes(cursor)
        assert page.changed == [] and list(page.deleted) == []

    def test_an_expired_cursor_raises_cursor_expired_and_a_full_listing_still_works(
        self, store: Store
    ) -> None:
        (item_id,) = self.create(store, sample(store.kind, 1))
        cursor = self.full(store).cursor
        self.expire_cursor(store)
        with pytest.raises(CursorExpired):
            store.changes(cursor)
        page = self.full(store)
        assert [it.id for it in page.changed] == [item_id]
        assert store.changes(page.cursor).changed == []

    # ------------------------------------------------------------------ get and find

    def test_get_returns_the_items_and_leaves_out_missing_ids(self, store: Store) -> None:
        ids = self.create(store, sample(store.kind, 1), sample(store.kind, 2))
        self.out_of_band_delete(store, ids[1])
        got = store.get([ids[0], ids[1]])
        assert set(got) == {ids[0]}
        assert got[ids[0]].record == self.canon(store, sample(store.kind, 1))

    def test_find_returns_the_item_for_its_match_keys(self, store: Store) -> None:
        ids = self.create(store, sample(store.kind, 1), sample(store.kind, 2))
        record = sample(store.kind, 2)
        keys = record.match_keys()
        found = store.find(keys)
        assert found and set(found.values()) == {ids[1]}
        assert store.find(sample(store.kind, 99).match_keys()) == {}

    def test_a_marker_given_at_creation_is_listed_and_findable(self, store: Store) -> None:
        if store.side != "mailbox":
            pytest.skip("markers are stamped on mailbox items only")
        results = store.apply([Create("r", sample(store.kind, 1), marker="003000000000042AAA")])
        item_id = results[0].id
        assert item_id
        (item,) = store.get([item_id]).values()
        assert item.marker == "003000000000042AAA"
        assert store.find([("marker", "003000000000042AAA")]) == {
            ("marker", "003000000000042AAA"): item_id
        }

    # ------------------------------------------------------------------ apply

    def test_apply_gives_one_result_per_op_in_order(self, store: Store) -> None:
        a, b = self.create(store, sample(store.kind, 1), sample(store.kind, 2))
        ops = [
            Update(b, changed(store.kind, 2)),
            Create("new", sample(store.kind, 3)),
            Delete(a),
        ]
        results = store.apply(ops)
        assert [r.ok for r in results] == [True, True, True]
        assert results[0].id == b and results[1].id not in (a, b, None)
        assert set(store.get([a, b, results[1].id or ""])) == {b, results[1].id}

    def test_a_per_item_error_does_not_stop_the_rest_of_the_batch(self, store: Store) -> None:
        (a,) = self.create(store, sample(store.kind, 1))
        self.out_of_band_delete(store, a)
        (b,) = self.create(store, sample(store.kind, 2))
        results = store.apply(
            [
                Create("x", sample(store.kind, 3)),
                Update(a, changed(store.kind, 1)),
                Update(b, changed(store.kind, 2)),
            ]
        )
        assert results[0].ok and results[2].ok
        assert not results[1].ok and isinstance(results[1].error, NotFound)
        assert store.get([b])[b].record == self.canon(store, changed(store.kind, 2))

    def test_a_whole_batch_of_max_batch_ops_goes_in_one_call(self, store: Store) -> None:
        n = min(store.max_batch, 25)
        before = store.api_calls
        results = store.apply([Create(f"r{i}", sample(store.kind, i)) for i in range(n)])
        # One call, or one round of the calls a store sends at once (Graph: 4 per mailbox).
        assert 1 <= store.api_calls - before <= getattr(store, "concurrent_requests", 1)
        assert len(results) == n and all(r.ok for r in results)

    def test_an_update_moves_the_version(self, store: Store) -> None:
        (a,) = self.create(store, sample(store.kind, 1))
        old = store.get([a])[a].version
        (result,) = store.apply([Update(a, changed(store.kind, 1), expected_version=old)])
        assert result.ok and result.version and result.version != old
        assert store.get([a])[a].version == result.version

    def test_a_stale_expected_version_is_refused_with_version_mismatch(self, store: Store) -> None:
        (a,) = self.create(store, sample(store.kind, 1))
        old = store.get([a])[a].version
        self.out_of_band_edit(store, a, changed(store.kind, 1))
        (result,) = store.apply(
            [Update(a, sample(store.kind, 1, **_other_change(store.kind)), expected_version=old)]
        )
        assert not result.ok and isinstance(result.error, VersionMismatch)
        assert store.get([a])[a].record == self.canon(store, changed(store.kind, 1))

    def test_an_update_naming_fields_writes_only_those(self, store: Store) -> None:
        (a,) = self.create(store, sample(store.kind, 1))
        self.out_of_band_edit(store, a, changed(store.kind, 1))
        field = "mobile_phone" if store.kind == "contacts" else "subject"
        source = sample(
            store.kind, 1, **{field: "+47 911 11 111" if store.kind == "contacts" else "Renamed"}
        )
        (result,) = store.apply([Update(a, source, fields=frozenset({field}))])
        assert result.ok
        record = store.get([a])[a].record
        assert getattr(record, field) == getattr(self.canon(store, source), field)
        keep = "title" if store.kind == "contacts" else "location"
        assert getattr(record, keep) == getattr(self.canon(store, changed(store.kind, 1)), keep)

    def test_deleting_a_missing_item_is_not_found(self, store: Store) -> None:
        (a,) = self.create(store, sample(store.kind, 1))
        self.out_of_band_delete(store, a)
        (result,) = store.apply([Delete(a)])
        assert not result.ok and isinstance(result.error, NotFound)

    def test_api_calls_are_counted(self, store: Store) -> None:
        before = store.api_calls
        store.changes(None)
        store.get([])
        assert store.api_calls >= before + 1


def _other_change(kind: str) -> dict[str, Any]:
    return {"department": "Sales"} if kind == "contacts" else {"description": "Moved"}
