"""DbMappingRepo.batch(): the writes of a scope are saved together when it ends, with the same
result as the same writes one by one, or not at all when the scope ends with an exception."""

from __future__ import annotations

import pytest

from mappings.models import ItemMapping
from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.repo_db import DbMappingRepo
from syncengine.state import MappingState, with_intents
from syncengine.stores.memory import MemoryStore, SimulatedCrash
from tests.engine_django.conftest import MakeUser
from tests.engine_django.test_repo_db import _apply, _m

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _rows(repo: DbMappingRepo) -> list[tuple[str, str, str, str, dict[str, str]]]:
    return sorted(
        (m.salesforce_id, m.mailbox_id, m.salesforce_version, m.mailbox_version, m.hashes)
        for m in repo.load()
    )


def test_writes_in_a_batch_end_as_the_same_writes_one_by_one(make_user: MakeUser) -> None:
    one_by_one = DbMappingRepo(make_user(), "contacts")
    batched = DbMappingRepo(make_user(), "contacts")
    expected = _apply(one_by_one)
    batched.upsert(_m("003B", "BBB"))  # rows already saved that the batch changes
    batched.upsert(_m("003D", "DDD"))
    with batched.batch():
        result = _apply(batched)
        assert result == [
            ("003B", "BBB", "sf1", "mb1", {"email": "h1"}),
            ("003D", "DDD", "sf1", "mb1", {"email": "h1"}),
        ]

    assert _rows(batched) == expected
    assert batched.removed == one_by_one.removed


def test_a_batch_that_ends_with_an_exception_saves_none_of_its_writes(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(_m("003A", "AAA"))
    with pytest.raises(Boom), repo.batch():
        repo.upsert(_m("003A", "AAA", "2"))
        repo.upsert(_m("003B", "BBB"))
        repo.remove("003A", None)
        raise Boom

    assert _rows(repo) == [("003A", "AAA", "sf1", "mb1", {"email": "h1"})]
    assert repo.removed == set()
    repo.upsert(_m("003C", "CCC"))  # the repo writes at once again after the scope
    assert len(repo.load()) == 2


def test_a_pending_row_and_its_link_written_in_one_batch_end_as_one_row(
    make_user: MakeUser,
) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    with repo.batch():
        repo.upsert(MappingState("", "AAA", "", "mb1", {}, status="pending"))
        repo.upsert(_m("003A", "AAA"))
        with repo.batch():  # a scope inside another joins it
            repo.upsert(_m("003B", "BBB"))

    rows = ItemMapping.objects.order_by("salesforce_id")
    assert [(r.salesforce_id, r.mailbox_id, r.state) for r in rows] == [
        ("003A", "AAA", "synced"),
        ("003B", "BBB", "synced"),
    ]


def _contact(n: int) -> Contact:
    return Contact.normalized(first_name="Ana", last_name=f"Núñez{n}", emails=[f"a{n}@x.example"])


def test_a_crash_after_a_batch_was_written_saves_no_mapping_of_it_and_the_next_run_links_it(
    make_user: MakeUser,
) -> None:
    sf = MemoryStore("salesforce", "contacts", max_batch=200)
    mail = MemoryStore("mailbox", "contacts", max_batch=2)
    for n in range(5):
        sf.put(_contact(n))
    repo = DbMappingRepo(make_user(), "contacts")
    settings = SyncSettings()
    mail.crash_after_write(batches=1)
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mail, repo, settings)
    # Written, but no link saved: only the pending rows saved before that batch went out.
    assert len(mail) == 2 and [m.status for m in repo.load()] == ["pending", "pending"]

    result = run_sync(sf, mail, repo, settings)

    assert result.status == "ok"
    assert len(mail) == 5  # the two written before the crash were linked by their markers
    assert sorted(m.salesforce_id for m in repo.load()) == sorted(sf.records())


def test_a_row_written_back_as_loaded_is_skipped_but_not_after_it_changed(
    make_user: MakeUser,
) -> None:
    user = make_user()
    DbMappingRepo(user, "contacts").upsert(_m("003A", "AAA"))
    stamp = ItemMapping.objects.get().updated_at
    repo = DbMappingRepo(user, "contacts")
    (loaded,) = repo.load()

    repo.upsert(loaded)  # what a run that re-read an unchanged item writes
    assert ItemMapping.objects.get().updated_at == stamp

    repo.upsert(with_intents(loaded, "mailbox", {"email": "h2"}))  # an update under way
    repo.upsert(loaded)  # nothing was written: the intents go again
    row = ItemMapping.objects.get()
    assert row.intents == {} and row.updated_at > stamp


def test_a_pending_row_saved_before_its_batch_becomes_the_link_in_place(
    make_user: MakeUser,
) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.load()  # as a run does: ids in no row are then not looked up
    with repo.batch():
        repo.upsert(MappingState("003A", "", "sf1", "", {"email": "h1"}, status="pending"))
        repo.flush()  # saved before the batch goes out
        pending = ItemMapping.objects.get()
        repo.upsert(_m("003A", "AAA"))  # the create landed

    row = ItemMapping.objects.get()
    assert (row.pk, row.salesforce_id, row.mailbox_id, row.state) == (
        pending.pk,
        "003A",
        "AAA",
        "synced",
    )
    assert row.created_at == pending.created_at and row.updated_at > pending.updated_at
    assert repo.synced_since(pending.updated_at) == {"003A", "AAA"}


def test_a_link_written_over_pending_rows_of_both_its_items_ends_as_one_row(
    make_user: MakeUser,
) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(MappingState("003A", "", "sf1", "", {"email": "h1"}, status="pending"))
    repo.upsert(MappingState("", "AAA", "", "mb1", {"email": "h1"}, status="pending"))
    with repo.batch():
        repo.upsert(_m("003A", "AAA"))

    assert _rows(repo) == [("003A", "AAA", "sf1", "mb1", {"email": "h1"})]
    assert repo.removed == set()  # no item was removed: two pending rows became one link


def test_a_row_someone_else_inserted_after_the_load_is_updated_not_duplicated(
    make_user: MakeUser,
) -> None:
    user = make_user()
    repo = DbMappingRepo(user, "contacts")
    repo.load()  # knows of no row, so it would insert 003A without looking it up
    DbMappingRepo(user, "contacts").upsert(_m("003A", "AAA"))  # another writer meanwhile
    with repo.batch():
        repo.upsert(_m("003A", "AAA", "2"))
        repo.upsert(_m("003B", "BBB"))

    assert _rows(repo) == [
        ("003A", "AAA", "sf2", "mb2", {"email": "h2"}),
        ("003B", "BBB", "sf1", "mb1", {"email": "h1"}),
    ]


def test_an_upsert_stores_the_mapping_as_it_was_when_upserted(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    mapping = _m("003A", "AAA")
    with repo.batch():
        repo.upsert(mapping)
        mapping.hashes["email"] = "changed after the upsert"
        mapping.mailbox_version = "changed too"

    assert _rows(repo) == [("003A", "AAA", "sf1", "mb1", {"email": "h1"})]
