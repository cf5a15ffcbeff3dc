"""The lease fences every write: a run that lost its user to another worker writes nothing
more, and a run whose worker died is closed as abandoned once its lease expires."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from connections import http
from mappings.models import RunStatus, SyncRun
from sandbox.inprocess import WSGIAdapter
from syncengine import dispatch, memory_backend, registry, service
from syncengine.models import SyncUser
from syncengine.service import sync_user
from syncengine.stores.base import ChangePage, Kind
from syncengine.stores.memory import MemoryStore
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db

_takeover: dict[str, Any] = {"armed": False, "outcome": None}


class _StallingMailbox:
    """The mailbox store of a run that stalls right after reading: meanwhile its lease runs
    out and another worker syncs the same user from start to finish."""

    def __init__(self, inner: MemoryStore, user: SyncUser, kind: Kind) -> None:
        self.inner, self.user, self.kind = inner, user, kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def changes(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes(cursor)
        if _takeover["armed"]:
            _takeover["armed"] = False
            expired = timezone.now() - timedelta(seconds=1)
            SyncUser.objects.filter(pk=self.user.pk).update(lease_expires_at=expired)
            _takeover["outcome"] = sync_user(self.user.pk, self.kind)
        return page


def build_stalling_stores(user: SyncUser, kind: Kind) -> tuple[Any, Any]:
    sf, mb = memory_backend.build_stores(user, kind)
    return sf, _StallingMailbox(mb, user, kind)


@pytest.fixture(autouse=True)
def stalling_backend(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.BACKENDS, "stalling", f"{__name__}.build_stalling_stores")
    settings.LSYNC_STORE_BACKEND = "stalling"
    memory_backend.forget_all()
    _takeover.update(armed=False, outcome=None)
    yield
    memory_backend.forget_all()


def test_a_run_that_lost_its_lease_while_reading_writes_nothing(make_user: MakeUser) -> None:
    user = make_user()
    sf, mb = memory_backend.build_stores(user, "contacts")
    _takeover["armed"] = True
    stale = sync_user(user.pk, "contacts")

    assert _takeover["outcome"].status == "ok"  # the worker that took over synced everything
    assert stale.status == RunStatus.ABANDONED and "took this user over" in stale.message
    # Without the fence the stale plan would create its items a second time on each side.
    assert (len(sf), len(mb)) == (4, 4)
    runs = dict(SyncRun.objects.values_list("pk", "status"))
    assert runs == {stale.run_id: "abandoned", _takeover["outcome"].run_id: "ok"}
    # The user's state is the one the other worker recorded, and the stale run left it alone.
    assert SyncUser.objects.get(pk=user.pk).contacts_status == "in_sync"
    counts = sync_user(user.pk, "contacts").counts
    assert not [k for k, v in counts.items() if v and k.startswith(("created", "updated", "del"))]


def test_a_dead_workers_run_is_closed_as_abandoned_once_its_lease_expires(
    make_user: MakeUser,
) -> None:
    user, alive = make_user(), make_user()
    now = timezone.now()
    for who in (user, alive):
        assert dispatch.claim_lease(who.pk, f"worker-{who.pk}", now)
    dead = SyncRun.objects.create(sync_user=user, kind="contacts")
    running = SyncRun.objects.create(sync_user=alive, kind="contacts")
    dispatch.renew_lease(alive.pk, f"worker-{alive.pk}", now + timedelta(minutes=9))

    dispatch.claim_due(now + timedelta(seconds=dispatch.lease_seconds() + 1))
    dead.refresh_from_db()
    running.refresh_from_db()
    assert dead.status == RunStatus.ABANDONED and dead.finished_at is not None
    assert "stopped without finishing" in dead.message
    assert running.status == RunStatus.RUNNING


def test_a_new_claim_closes_the_run_the_last_holder_left_running(make_user: MakeUser) -> None:
    user = make_user()
    now = timezone.now()
    assert dispatch.claim_lease(user.pk, "worker-that-dies", now)
    dead = SyncRun.objects.create(sync_user=user, kind="events")
    assert dispatch.claim_lease(user.pk, "next", now + timedelta(seconds=dispatch.lease_seconds()))
    dead.refresh_from_db()
    assert dead.status == RunStatus.ABANDONED


def test_a_lease_that_expired_cannot_be_renewed_even_before_someone_claims_it(
    make_user: MakeUser,
) -> None:
    user = make_user()
    now = timezone.now()
    assert dispatch.claim_lease(user.pk, "slow", now)
    assert not dispatch.renew_lease(user.pk, "slow", now + timedelta(seconds=10_000))


class _PagingMailbox:
    """A mailbox store whose listing takes several HTTP pages, like a provider's."""

    def __init__(self, inner: MemoryStore, user: SyncUser) -> None:
        self.inner, self.user = inner, user
        self.leases: list[object] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.leases.append(SyncUser.objects.get(pk=self.user.pk).lease_expires_at)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    def changes(self, cursor: str | None) -> ChangePage:
        session = http.build_session()
        session.mount("https://pages.test", WSGIAdapter(self._app))
        for n in range(3):
            session.get(f"https://pages.test/page/{n}")
        return self.inner.changes(cursor)


_paging: list[_PagingMailbox] = []


def build_paging_stores(user: SyncUser, kind: Kind) -> tuple[Any, Any]:
    sf, mb = memory_backend.build_stores(user, kind)
    _paging.append(_PagingMailbox(mb, user))
    return sf, _paging[-1]


def test_the_lease_is_renewed_on_provider_responses_while_a_run_reads(
    make_user: MakeUser, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.BACKENDS, "paging", f"{__name__}.build_paging_stores")
    settings.LSYNC_STORE_BACKEND = "paging"
    monkeypatch.setattr(service, "LEASE_RENEW_SECONDS", -1)  # renew on every response
    _paging.clear()
    user = make_user()
    assert sync_user(user.pk, "contacts").status == "ok"
    seen = _paging[0].leases
    assert len(seen) == 3 and all(seen) and sorted(seen) == seen and len(set(seen)) == 3  # type: ignore[type-var]
