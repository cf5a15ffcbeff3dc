from __future__ import annotations

import pytest

from mappings.models import ItemMapping, ItemState, SyncCursor
from syncengine.repo_db import DbMappingRepo
from syncengine.state import MappingRepo, MappingState, MemoryRepo
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
