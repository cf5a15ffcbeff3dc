from __future__ import annotations

from typing import get_args

import pytest
from django.db import IntegrityError, transaction

from mappings.models import ItemMapping, ItemState, SyncCursor
from syncengine.repo_db import DbMappingRepo
from syncengine.state import MappingRepo, MappingState, MemoryRepo, Status
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


def _m(sf: str, mb: str, v: str = "1", hashes: dict[str, str] | None = None) -> MappingState:
    return MappingState(sf, mb, f"sf{v}", f"mb{v}", hashes or {"email": f"h{v}"})


def _apply(repo: MappingRepo) -> list[tuple[str, str, str, str, dict[str, str]]]:
    repo.upsert(_m("003A", "AAA"))
    repo.upsert(_m("003B", "BBB"))
    repo.upsert(_m("003A", "AAA", "2"))  # new versions of the same link
    repo.upsert(_m("003C", "BBB", "3"))  # the mailbox item now pairs with another contact
    repo.upsert(_m("003D", "DDD"))
    repo.remove("003D", None)
    repo.upsert(_m("003E", "EEE"))
    repo.remove(None, "EEE")
    return sorted(
        (m.salesforce_id, m.mailbox_id, m.salesforce_version, m.mailbox_version, m.hashes)
        for m in repo.load()
    )


def test_it_behaves_like_the_memory_repo(make_user: MakeUser) -> None:
    assert _apply(DbMappingRepo(make_user(), "contacts")) == _apply(MemoryRepo())


def test_a_moved_link_replaces_the_old_row_instead_of_breaking_a_constraint(
    make_user: MakeUser,
) -> None:
    repo = DbMappingRepo(make_user(), "events")
    repo.upsert(_m("00UA", "x1"))
    repo.upsert(_m("00UB", "x2"))
    repo.upsert(_m("00UA", "x2"))
    assert [(m.salesforce_id, m.mailbox_id) for m in repo.load()] == [("00UA", "x2")]


def test_it_keeps_users_and_kinds_apart(make_user: MakeUser) -> None:
    ana, bob = make_user(), make_user()
    DbMappingRepo(ana, "contacts").upsert(_m("003A", "AAA"))
    DbMappingRepo(ana, "events").upsert(_m("003A", "AAA"))
    DbMappingRepo(bob, "contacts").upsert(_m("003A", "AAA"))
    DbMappingRepo(bob, "contacts").remove("003A", "AAA")
    assert len(DbMappingRepo(ana, "contacts").load()) == 1
    assert len(DbMappingRepo(ana, "events").load()) == 1
    assert DbMappingRepo(bob, "contacts").load() == []


def test_a_failed_item_is_flagged_until_it_syncs_again(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(_m("003A", "AAA"))
    assert repo.mark_failed(["AAA"]) == 1
    assert ItemMapping.objects.get().state == ItemState.ERROR
    repo.upsert(_m("003A", "AAA", "2"))
    assert ItemMapping.objects.get().state == ItemState.SYNCED


def test_cursors_are_saved_replaced_and_cleared(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "events")
    assert repo.get_cursor("mailbox") is None
    repo.save_cursors({"salesforce": "2026-01-01T00:00:00Z", "mailbox": "delta-1"})
    repo.save_cursors({"mailbox": "delta-2"})
    assert repo.get_cursor("salesforce") == "2026-01-01T00:00:00Z"
    assert repo.get_cursor("mailbox") == "delta-2"
    repo.save_cursors({"salesforce": None})
    assert repo.get_cursor("salesforce") is None
    assert SyncCursor.objects.count() == 1


def test_reset_forgets_links_and_cursors(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(_m("003A", "AAA"))
    repo.save_cursors({"mailbox": "delta"})
    repo.reset()
    assert repo.load() == [] and repo.get_cursor("mailbox") is None


def test_pending_rows_hold_no_salesforce_id_and_do_not_collide(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    for mb in ("PPP", "QQQ"):
        repo.upsert(MappingState("", mb, "", "m1", {"emails": mb}, status="pending"))
    repo.upsert(_m("003A", "AAA"))
    assert ItemMapping.objects.filter(salesforce_id__isnull=True).count() == 2
    assert sorted((m.salesforce_id, m.mailbox_id, m.status) for m in repo.load()) == [
        ("", "PPP", "pending"),
        ("", "QQQ", "pending"),
        ("003A", "AAA", "synced"),
    ]
    repo.upsert(_m("003P", "PPP"))  # the Salesforce create landed and was linked
    assert sorted((m.salesforce_id, m.status) for m in repo.load()) == [
        ("", "pending"),
        ("003A", "synced"),
        ("003P", "synced"),
    ]
    repo.remove(None, "QQQ")
    assert not ItemMapping.objects.filter(state=ItemState.PENDING).exists()


def test_the_database_refuses_a_second_row_for_one_item_and_rows_without_their_ids(
    make_user: MakeUser,
) -> None:
    user = make_user()
    base = {"sync_user": user, "kind": "contacts"}
    ItemMapping.objects.create(**base, salesforce_id="003A", mailbox_id="AAA")
    refused = [
        {"salesforce_id": "003A", "mailbox_id": "BBB"},  # the Salesforce item is linked already
        {"salesforce_id": "003B", "mailbox_id": "AAA"},  # so is the mailbox item
        {"salesforce_id": None, "mailbox_id": "CCC"},  # only a pending row lacks its Salesforce id
        {"salesforce_id": "003C", "mailbox_id": "CCC", "state": ItemState.PENDING},
        {"salesforce_id": "003D", "mailbox_id": None},
        {"salesforce_id": "003E", "mailbox_id": "EEE", "state": ItemState.DETACHED},  # which side?
        {"salesforce_id": "003F", "mailbox_id": "FFF", "detached_side": "mailbox"},
    ]
    for fields in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            ItemMapping.objects.create(**base, **fields)
    ItemMapping.objects.create(**base, salesforce_id=None, mailbox_id="PPP", state="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemMapping.objects.create(**base, salesforce_id=None, mailbox_id="PPP", state="pending")


def test_tombstones_and_intents_round_trip_through_their_columns(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "events")
    tomb = MappingState(
        "00UA", "AAA", "1", "2", {"subject": "s"}, status="detached", gone="mailbox"
    )
    busy = MappingState(
        "00UB", "BBB", "1", "2", {"subject": "s"}, intents={"mailbox": {"subject": "t"}}
    )
    repo.upsert(tomb)
    repo.upsert(busy)
    assert sorted(repo.load(), key=lambda m: m.salesforce_id) == [tomb, busy]
    row = ItemMapping.objects.get(salesforce_id="00UA")
    assert (row.state, row.detached_side, row.field_hashes) == (
        "detached",
        "mailbox",
        {"subject": "s"},
    )
    assert ItemMapping.objects.get(salesforce_id="00UB").intents == {"mailbox": {"subject": "t"}}


def test_only_linked_pairs_are_flagged_as_failed(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(MappingState("", "PPP", "", "m1", status="pending"))
    repo.upsert(MappingState("003D", "DDD", "1", "1", status="detached", gone="salesforce"))
    assert repo.mark_failed(["PPP", "DDD"]) == 0
    assert sorted(m.status for m in repo.load()) == ["detached", "pending"]


def test_the_database_knows_exactly_the_engines_mapping_states() -> None:
    assert set(ItemState.values) == set(get_args(Status))


def test_it_reads_the_mappings_of_given_ids_in_chunks_as_the_full_load_does(
    make_user: MakeUser,
) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    with repo.batch():
        for n in range(1200):  # more than one chunk of ids
            repo.upsert(_m(f"003{n:05d}", f"M{n:05d}", hashes={"email": f"h{n}"}))
    everything = {m.salesforce_id: m for m in repo.load()}
    wanted_sf = {f"003{n:05d}" for n in range(0, 1200, 2)}
    wanted_mb = {f"M{n:05d}" for n in range(1, 1200, 4)} | {"M00000", "unknown"}
    got = DbMappingRepo(repo.sync_user, "contacts").load_for(
        {"salesforce": wanted_sf, "mailbox": wanted_mb}
    )
    expected = {i for i in everything if i in wanted_sf or everything[i].mailbox_id in wanted_mb}
    assert sorted(m.salesforce_id for m in got) == sorted(expected)
    assert all(m == everything[m.salesforce_id] for m in got)


def test_it_reads_the_unsettled_rows_and_counts_the_links(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(_m("003A", "AAA"))
    repo.upsert(MappingState("003B", "BBB", "", "mb1", {"email": "h"}))  # a write half landed
    repo.upsert(MappingState("", "CCC", "", "mb1", {"email": "h"}, status="pending"))
    repo.upsert(MappingState("003D", "DDD", "sf1", "mb1", {}, status="detached", gone="mailbox"))
    unsettled = sorted((m.salesforce_id, m.mailbox_id) for m in repo.load_unsettled())
    assert unsettled == [("", "CCC"), ("003B", "BBB")]
    assert repo.count_linked() == 2
