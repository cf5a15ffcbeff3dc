"""The delta reports lsync's own writes back. After a run that wrote to the mailbox, one delta
round made of nothing but those writes (at the versions they returned) moves the cursor past
them, so the next run reads none of them (issue 14: the first run after an initial sync of
50,000 contacts read all 50,000 back); a user's edit made meanwhile keeps the cursor where it
was, and the next run syncs that edit."""

from __future__ import annotations

from typing import Any, cast

import pytest

from connections.providers.microsoft.stores import build_store as mailbox_store
from syncengine.engine import run_sync
from syncengine.records import Contact
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Store, Update
from tests.providers.microsoft.test_end_to_end import World, apply_one, sample
from tests.providers.microsoft.test_end_to_end import world as world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


class EditedMeanwhile:
    """The mailbox store, with a user's edit landing just before the round after the writes."""

    def __init__(self, inner: Store, edit: Any) -> None:
        self.inner, self.edit = inner, edit

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def own_writes_echoed(self, cursor: str) -> Any:
        self.edit()
        return self.inner.own_writes_echoed(cursor)  # type: ignore[attr-defined]


def _seed(world: World, n: int) -> list[str]:
    sf, _mb = world.stores("contacts")
    return [apply_one(sf, Create(f"c{i}", sample("contacts", i))) for i in range(n)]


def test_the_run_after_an_initial_sync_reads_none_of_its_own_writes_back(world: World) -> None:
    _seed(world, 3)
    assert world.sync("contacts").counts == {"created_mailbox": 3}
    repo = DbMappingRepo(world.user, "contacts")
    assert all(m.mailbox_version for m in repo.load())
    assert repo.load_unsettled() == []
    after = world.sync("contacts")
    assert after.counts == {}
    assert after.api_calls["mailbox"] == 1  # the delta round, empty


def test_a_mailbox_edit_made_after_the_writes_is_synced_by_the_next_run(world: World) -> None:
    _seed(world, 2)
    sf, mb = world.stores("contacts")

    def user_edits() -> None:
        other = mailbox_store(world.user, "contacts")
        item = next(iter(other.changes(None).changed))
        assert isinstance(item.record, Contact)
        edited = Contact.normalized(**{**item.record.__dict__, "mobile_phone": "+47 911 11 111"})
        apply_one(other, Update(item.id, edited))

    repo = DbMappingRepo(world.user, "contacts")
    settings = world.config.settings_for("contacts")
    first = run_sync(sf, cast(Store, EditedMeanwhile(mb, user_edits)), repo, settings)
    assert first.counts == {"created_mailbox": 2}
    second = world.sync("contacts")
    assert second.counts.get("updated_salesforce") == 1
    phones = {it.record.mobile_phone for it in world.stores("contacts")[0].changes(None).changed}
    assert "+47 911 11 111" in phones
