"""What the soak found on Microsoft 365 (issue 13), each as a run over the real stores and the
emulators: a write that landed while its answer was lost (the connection dropped after the server
applied it), then a user's edit before the next run."""

from __future__ import annotations

import pytest

from syncengine.engine import run_sync
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Delete, Update
from tests.providers.microsoft.test_end_to_end import World, apply_one, sample
from tests.providers.microsoft.test_end_to_end import world as world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_a_mailbox_edit_of_a_copy_whose_create_lost_its_answer_is_kept(world: World) -> None:
    sf_user, mb_user = world.stores("contacts")
    sf_id = apply_one(sf_user, Create("a", sample("contacts", 1)))
    world.microsoft.inject("reset_after", r"graph\.contacts\.create", times=1)
    sf, mb = world.stores("contacts")
    repo = DbMappingRepo(world.user, "contacts")
    cut = run_sync(sf, mb, repo, world.config.settings_for("contacts"))
    assert cut.status == "failed"
    (copy,) = mb_user.changes(None).changed
    assert copy.marker == sf_id
    edited = sample("contacts", 1, last_name="Edited in Outlook")
    apply_one(mb_user, Update(copy.id, edited, fields=frozenset({"last_name"})))

    world.sync("contacts")

    sf_items, mb_items = world.listing("contacts")
    assert [it.record.last_name for it in sf_items.values()] == ["Edited in Outlook"]
    assert [it.record.last_name for it in mb_items.values()] == ["Edited in Outlook"]


def test_an_event_copy_whose_create_lost_its_answer_and_that_the_user_deleted_stays_deleted(
    world: World,
) -> None:
    sf_user, mb_user = world.stores("events")
    apply_one(sf_user, Create("kept", sample("events", 0)))
    world.sync("events")
    apply_one(sf_user, Create("a", sample("events", 1)))
    world.microsoft.inject("reset_after", r"graph\.events\.create", times=1)
    sf, mb = world.stores("events")
    cut = run_sync(sf, mb, DbMappingRepo(world.user, "events"), world.config.settings_for("events"))
    assert cut.status == "failed"
    (copy,) = [it for it in mb_user.changes(None).changed if it.record.subject == "Review 1"]
    apply_one(mb_user, Delete(copy.id))

    world.sync("events")
    world.sync("events")

    sf_items, mb_items = world.listing("events")
    assert [it.record.subject for it in sf_items.values()] == ["Review 0"]
    assert [it.record.subject for it in mb_items.values()] == ["Review 0"]
