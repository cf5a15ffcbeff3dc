"""Recording the versions a change feed reported for lsync's own creates (engine._past_own_writes):
only linked rows whose version on that side is unknown take one, in both repos alike."""

from __future__ import annotations

import pytest

from syncengine.repo_db import DbMappingRepo
from syncengine.state import MappingRepo, MappingState, MemoryRepo
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


def _confirmed(repo: MappingRepo | DbMappingRepo | MemoryRepo) -> list[tuple[str, str, str]]:
    repo.upsert(MappingState("003A", "AAA", "sf1", ""))  # created by lsync: version unknown
    repo.upsert(MappingState("003B", "BBB", "sf1", "mb1"))  # known: stays
    repo.upsert(MappingState("", "CCC", "", "", {"email": "h"}, status="pending"))
    repo.upsert(MappingState("003D", "DDD", "sf1", "", status="detached", gone="salesforce"))
    assert isinstance(repo, DbMappingRepo | MemoryRepo)
    repo.confirm_versions(
        "mailbox", {"AAA": "mb-new", "BBB": "mb-other", "CCC": "mb-c", "DDD": "mb-d", "ZZZ": "z"}
    )
    return sorted((m.mailbox_id, m.mailbox_version, m.status) for m in repo.load())


def test_only_unknown_versions_of_linked_pairs_are_recorded(make_user: MakeUser) -> None:
    expected = [
        ("AAA", "mb-new", "synced"),
        ("BBB", "mb1", "synced"),
        ("CCC", "", "pending"),
        ("DDD", "", "detached"),
    ]
    assert _confirmed(MemoryRepo()) == expected
    assert _confirmed(DbMappingRepo(make_user(), "contacts")) == expected


def test_a_recorded_version_settles_the_row(make_user: MakeUser) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(MappingState("003A", "AAA", "sf1", ""))
    assert [m.mailbox_id for m in repo.load_unsettled()] == ["AAA"]
    repo.confirm_versions("mailbox", {"AAA": "mb1"})
    assert repo.load_unsettled() == []
