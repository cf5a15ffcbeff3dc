"""A user who deletes the Salesforce_Sync contact folder must not silently unlink every contact:
the mailbox suddenly lists none of them, and the SideSuddenlyEmpty guard stops the run."""

from __future__ import annotations

import pytest

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores.contacts import GraphContactStore
from syncengine.engine import run_sync
from syncengine.guards import SideSuddenlyEmpty
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create
from tests.providers.microsoft.test_end_to_end import EMAIL, TENANT, World, apply_one, sample
from tests.providers.microsoft.test_end_to_end import world as world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_deleting_the_contact_folder_trips_the_guard_and_keeps_the_links(world: World) -> None:
    sf_user, _ = world.stores("contacts")
    for n in range(5):
        apply_one(sf_user, Create(str(n), sample("contacts", n)))
    world.sync("contacts")
    repo = DbMappingRepo(world.user, "contacts")
    assert len(repo.load()) == 5

    folder = GraphContactStore(GraphClient(TENANT), EMAIL).folder_id(create=False)
    GraphClient(TENANT).send("DELETE", f"/users/{EMAIL}/contactFolders/{folder}")
    for _ in range(2):  # the run that notices, and the one after it
        sf, mb = world.stores("contacts")
        result = run_sync(sf, mb, repo, world.config.settings_for("contacts"))
        assert result.status == "guard" and isinstance(result.guard, SideSuddenlyEmpty)
        assert result.guard.side == "mailbox"
        assert len(repo.load()) == 5
