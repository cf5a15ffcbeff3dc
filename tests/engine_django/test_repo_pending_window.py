"""Pending rows carry the window in which their create went out (row U5f), in both repos."""

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


def _written(repo: MappingRepo, mailbox_id: str) -> tuple[object, object] | None:
    (row,) = [m for m in repo.load_unsettled() if m.mailbox_id == mailbox_id]
    return row.written


def test_a_pending_row_opens_its_window_when_it_is_saved(new_repo: Repos) -> None:
    repo = new_repo()
    repo.upsert(_pending("AAMkP"))
    written = _written(repo, "AAMkP")
    assert written is not None and written[0] <= written[1]


def test_a_batch_that_ended_without_an_answer_closes_the_window_later(new_repo: Repos) -> None:
    repo = new_repo()
    repo.upsert(_pending("AAMkP"))
    repo.upsert(_pending("AAMkQ"))
    time.sleep(0.01)  # two distinct moments, not a timing assertion
    repo.touch_pending(["AAMkP"])
    opened, closed = _written(repo, "AAMkP")  # type: ignore[misc]
    assert closed > opened  # type: ignore[operator]
    untouched = _written(repo, "AAMkQ")
    assert untouched is not None and untouched[1] < closed  # type: ignore[operator]


def test_a_linked_row_has_no_window_and_is_not_touched(new_repo: Repos) -> None:
    repo = new_repo()
    repo.upsert(MappingState("003A", "AAMkA", "s1", "m1", {"subject": "h"}))
    repo.touch_pending(["AAMkA"])
    (row,) = repo.load()
    assert row.written is None and row.status == "synced"
