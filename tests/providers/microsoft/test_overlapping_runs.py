"""Two workers on one user (the first one stalled past its lease) over the real Salesforce and
Microsoft 365 stores: the stale run, whose plan predates the other run's writes, writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mappings.models import RunStatus
from syncengine import registry, service
from syncengine.models import SyncUser
from syncengine.stores.base import ChangePage, Create, Kind, Store
from tests.providers.microsoft.test_end_to_end import World, apply_one, assert_in_sync, sample
from tests.providers.microsoft.test_end_to_end import world as world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

_stall: dict[str, Any] = {"armed": False, "other": None}


class _Stalling:
    def __init__(self, inner: Store, user: SyncUser, kind: Kind) -> None:
        self.inner, self.user, self.kind = inner, user, kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def changes(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes(cursor)
        if _stall["armed"]:
            _stall["armed"] = False
            expired = timezone.now() - timedelta(seconds=1)
            SyncUser.objects.filter(pk=self.user.pk).update(lease_expires_at=expired)
            _stall["other"] = service.sync_user(self.user.pk, self.kind)
        return page


def build_stalling_stores(user: SyncUser, kind: Kind) -> tuple[Any, Any]:
    sf, mb = registry.build_provider_stores(user, kind)
    return sf, _Stalling(mb, user, kind)


def test_a_stalled_run_that_lost_its_lease_writes_nothing_to_outlook(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.BACKENDS, "stalling", f"{__name__}.build_stalling_stores")
    settings.LSYNC_STORE_BACKEND = "stalling"
    sf_user, mb_user = world.stores("contacts")
    for n in range(3):
        apply_one(sf_user, Create(str(n), sample("contacts", n)))
    apply_one(mb_user, Create("m", sample("contacts", 9)))  # the user's own Outlook contact
    _stall.update(armed=True, other=None)
    stale = service.sync_user(world.user.pk, "contacts")
    assert _stall["other"].status == "ok", _stall["other"].message
    assert_in_sync(world, "contacts", 4)  # no second copy of anything
    assert stale.status == RunStatus.ABANDONED
