"""Pending rows tell when their create last went out (`since`, row U5f), in both repos."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from syncengine.repo_db import DbMappingRepo
from syncengine.state import MappingRepo, MappingState, MemoryRepo
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db

Repos = Callable[[], MappingRepo]


@pytest.fixture(params=["memory", "database"])
def new_repo(request: pytest.FixtureRequest, make_user: MakeUser) -> Repos:
    if request.param == "memory":
        return MemoryRepo
    return lambda: DbMappingRepo(make_user(), "events")


def _pending(mailbox_id: str) -> MappingState:
    return MappingState("", mailbox_id, "", "m1", {"subject": "h"}, status="pending")


def _since(repo: MappingRepo, mailbox_id: str) -> object:
    (row,) = [m for m in repo.load_unsettled() if m.mailbox_id == mailbox_id]
    return row.since


def test_a_pending_row_tells_when_it_was_saved(new_repo: Repos) -> None:
    repo = new_repo()
    repo.upsert(_pending("AAMkP"))
    assert _since(repo, "AAMkP") is not None


def test_a_pending_row_saved_again_unchanged_tells_the_later_moment(new_repo: Repos) -> None:
    # A create that goes out again: rows loaded and written back unchanged are otherwise skipped.
    repo = new_repo()
    repo.upsert(_pending("AAMkP"))
    first = _since(repo, "AAMkP")
    time.sleep(0.01)  # two distinct moments, not a timing assertion
    repo.upsert(_pending("AAMkP"))
    assert _since(repo, "AAMkP") > first  # type: ignore[operator]


def test_a_linked_row_tells_no_moment(new_repo: Repos) -> None:
    repo = new_repo()
    repo.upsert(MappingState("003A", "AAMkA", "s1", "m1", {"subject": "h"}))
    (row,) = repo.load()
    assert row.since is None
