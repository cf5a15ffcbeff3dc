"""A user who deletes the "Salesforce Sync" contact group in Google must not silently unlink every
contact: the group's members all leave it at once, and the SideSuddenlyEmpty guard stops the
run (the guards used to count deletions only, and for contacts leaving the group is an unlink)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connections.providers.google.client import clear_credentials_cache
from syncengine.engine import run_sync
from syncengine.guards import SideSuddenlyEmpty
from syncengine.models import SyncUser
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.test_end_to_end import World

LABELS = ("A1", "A2", "A3", "B1", "B2")


@pytest.mark.django_db
def test_deleting_the_contact_group_trips_the_guard_and_keeps_the_links(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> None:
    clear_credentials_cache()
    world = World(sandbox_product, salesforce_connection, make_sync_user, "contacts", "both")
    for label in LABELS:
        world.put("salesforce", label)
    world.sync()
    assert len(world.repo.load()) == len(LABELS)

    _, mail = world.stores()
    group = mail.group()  # type: ignore[attr-defined]
    mail.client.people("DELETE", group, params={"deleteContacts": "false"})  # type: ignore[attr-defined]
    for _ in range(2):  # the run that notices, and the one after it
        sf, mail = world.stores()
        result = run_sync(sf, mail, world.repo, world.config.settings_for("contacts"))
        assert result.status == "guard" and isinstance(result.guard, SideSuddenlyEmpty)
        assert result.guard.side == "mailbox"
        assert len(world.repo.load()) == len(LABELS)
