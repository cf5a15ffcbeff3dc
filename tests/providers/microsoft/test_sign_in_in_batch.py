"""A 401 on a step of a Graph $batch (the token was revoked while Graph worked through it) is a
sign-in problem, never the item's own failure: the steps go again with a new token, and when the
401 stays the run fails with its cursors kept, so the next run still writes the items."""

from __future__ import annotations

import pytest

from syncengine.engine import run_sync
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create
from tests.providers.microsoft.test_end_to_end import World, apply_one, assert_in_sync, sample
from tests.providers.microsoft.test_end_to_end import world as world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _sync(world: World) -> str:
    world.config.refresh_from_db()
    sf, mb = world.stores("contacts")
    repo = DbMappingRepo(world.user, "contacts")
    return run_sync(sf, mb, repo, world.config.settings_for("contacts")).status


def test_steps_refused_with_401_in_a_batch_are_sent_again_with_a_new_token(world: World) -> None:
    sf_user, _ = world.stores("contacts")
    for n in range(3):
        apply_one(sf_user, Create(str(n), sample("contacts", n)))
    world.microsoft.inject("revoke_token", route="graph.contacts.create", times=1)
    assert _sync(world) == "ok"
    assert_in_sync(world, "contacts", 3)


def test_a_401_that_stays_fails_the_run_and_the_next_run_writes_the_items(world: World) -> None:
    sf_user, _ = world.stores("contacts")
    for n in range(3):
        apply_one(sf_user, Create(str(n), sample("contacts", n)))
    # Revoked again while the steps are resent: the batch ends with every step still 401.
    world.microsoft.inject("revoke_token", route="graph.contacts.create", times=None)
    assert _sync(world) == "failed"
    world.microsoft.clear_faults()
    assert _sync(world) == "ok"
    assert_in_sync(world, "contacts", 3)
