"""Two colleagues who sync their events in one configuration, on one mail provider: what the
meeting scenarios of each provider (tests/providers/*/test_meetings_sync.py) run and read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connections.providers.salesforce.stores import build_store as salesforce_store
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Item, Kind, Store


class MeetingOffice:
    config: SyncConfiguration
    users: dict[str, SyncUser]

    def __init__(self, mailbox_store: Callable[[SyncUser, Kind], Store]) -> None:
        self.mailbox_store = mailbox_store

    def enroll(self, make_sync_user: Callable[..., SyncUser], *emails: str, **config: Any) -> None:
        self.config = SyncConfiguration.objects.create(name="Sales", **config)
        self.users = {e: make_sync_user(e, configuration=self.config) for e in emails}

    def sync(self, email: str) -> RunResult:
        user = self.users[email]
        settings = self.config.settings_for("events", email)
        sf, mb = salesforce_store(user, "events"), self.mailbox_store(user, "events")
        result = run_sync(sf, mb, DbMappingRepo(user, "events"), settings)
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    def salesforce_events(self, email: str) -> list[Event]:
        store = salesforce_store(self.users[email], "events")
        return [it.record for it in store.changes(None).changed]  # type: ignore[misc]

    def mailbox(self, email: str) -> list[Item]:
        return self.mailbox_store(self.users[email], "events").changes(None).changed
