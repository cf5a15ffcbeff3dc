"""A database locked for longer than its timeout ("database is locked" on SQLite) is a
retryable condition with its own message, not an "unexpected error"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError

from mappings.models import SyncIssue, SyncRun
from syncengine import memory_backend, service
from syncengine.models import KindStatus, SyncUser
from syncengine.repo_db import DbMappingRepo
from syncengine.service import sync_user
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def memory_stores(settings: Any) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()


def _locked(*args: object, **kwargs: object) -> None:
    raise OperationalError("database is locked")


def test_a_database_locked_during_the_run_is_a_retryable_failure_with_its_own_message(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    monkeypatch.setattr(DbMappingRepo, "upsert", _locked)
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "failed" and "database was busy" in outcome.message
    (issue,) = SyncIssue.objects.all()
    assert issue.code == "database_busy" and issue.retryable
    assert "unexpected" not in issue.message
    assert SyncRun.objects.get().status == "failed"
    user = SyncUser.objects.get(pk=user.pk)
    assert user.contacts_status == KindStatus.ERROR and user.backoff_until is not None
    assert user.lease_owner == ""


def test_a_database_locked_while_the_run_is_recorded_ends_the_run_the_same_way(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    monkeypatch.setattr(service, "_after_run", _locked)
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "failed" and outcome.message == service.DATABASE_BUSY
    assert SyncUser.objects.get(pk=user.pk).lease_owner == ""


def test_other_database_errors_are_not_taken_for_a_busy_database(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("no such table: mappings_itemmapping")

    user = make_user()
    monkeypatch.setattr(DbMappingRepo, "upsert", broken)
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "failed" and "unexpected error" in outcome.message
