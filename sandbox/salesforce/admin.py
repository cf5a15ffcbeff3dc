"""The emulator's Python and control-surface API for tests, the demo and the benchmark:
connected apps, users and profiles, records written as a given user, inspection of stored
records (hidden bookkeeping included), seeding and state."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from sandbox.company import make_company
from sandbox.core import Clock
from sandbox.salesforce import schema
from sandbox.salesforce.auth import Auth
from sandbox.salesforce.seed import Seeder
from sandbox.salesforce.store import Actor, OrgStore


class OrgAdmin:
    store: OrgStore
    auth: Auth
    clock: Clock
    lock: threading.RLock
    page_size: int
    api_limit: int
    session_timeout: float

    def api_usage(self) -> int:
        raise NotImplementedError

    def seed(self, payload: Any) -> Any:
        payload = payload or {}
        result: dict[str, Any] = {}
        app = payload.get("connected_app")
        if app:
            self.register_connected_app(
                app["consumer_key"], app["certificate_pem"], app.get("preauthorized_usernames")
            )
            result["connected_app"] = app["consumer_key"]
        # Before the company is seeded, so its events get their relations as such an org's do.
        for place in ("company", "settings"):
            if "shared_activities" in (payload.get(place) or {}):
                self.shared_activities = payload[place]["shared_activities"]
        if "company" in payload:
            spec = payload["company"]
            company = make_company(int(spec.get("users", 3)), int(spec.get("seed", 1)))
            result.update(Seeder(self.store, self.clock.now()).company(company))
        for key in ("page_size", "api_limit", "session_timeout"):
            if key in payload.get("settings", {}):
                setattr(self, key, payload["settings"][key])
        return result

    def state(self) -> Any:
        return {
            "objects": {
                name: {
                    "live": sum(1 for _ in self.store.live(name)),
                    "deleted": sum(1 for r in self.store.records[name].values() if r["IsDeleted"]),
                }
                for name in schema.OBJECTS
            },
            "sessions": len(self.auth.sessions),
            "api_usage": f"{self.api_usage()}/{self.api_limit}",
            "earliest_deleted_available": self.store.earliest_available(
                self.clock.now()
            ).isoformat(),
        }

    @property
    def shared_activities(self) -> bool:
        """The org setting "Allow Users to Relate Multiple Contacts to Tasks and Events"."""
        return self.store.shared_activities

    @shared_activities.setter
    def shared_activities(self, on: bool) -> None:
        with self.lock:
            self.store.shared_activities = bool(on)

    def register_connected_app(
        self,
        consumer_key: str,
        certificate_pem: str | bytes,
        preauthorized_usernames: Iterable[str] | None = None,
    ) -> None:
        with self.lock:
            self.auth.register(consumer_key, certificate_pem, preauthorized_usernames)

    def add_profile(self, name: str) -> str:
        with self.lock:
            return Seeder(self.store, self.clock.now()).profile(name)

    def add_user(
        self,
        username: str,
        email: str | None = None,
        first_name: str = "Test",
        last_name: str = "User",
        *,
        profile: str = "Standard User",
        active: bool = True,
        time_zone: str = "America/Los_Angeles",
    ) -> str:
        with self.lock:
            return Seeder(self.store, self.clock.now()).user(
                username, email or username, first_name, last_name,
                profile=profile, active=active, time_zone=time_zone,
            )  # fmt: skip

    def set_user_active(self, user_id: str, active: bool) -> None:
        """Deactivating a user also ends its sessions, as in Salesforce."""
        with self.lock:
            self.store.records["User"][user_id]["IsActive"] = active
            if not active:
                self.auth.revoke(user_id)

    def add_record(
        self,
        obj: str,
        fields: dict[str, Any],
        *,
        as_user: str | None = None,
        client: str | None = None,
    ) -> str:
        """Creates a record as `as_user` (default: the administrator), through the same
        validation as the API."""
        with self.lock:
            now = self.clock.now()
            actor = Seeder(self.store, now).admin() if as_user is None else None
            user_id = as_user or (actor.user_id if actor else "")
            tz = self.store.records["User"][user_id].get("TimeZoneSidKey")
            return self.store.create(obj, fields, Actor(user_id, now, client, tz))

    def update_record(
        self,
        record_id: str,
        fields: dict[str, Any],
        *,
        as_user: str | None = None,
        client: str | None = None,
    ) -> None:
        with self.lock:
            now = self.clock.now()
            user_id = as_user or Seeder(self.store, now).admin().user_id
            self.store.update(None, record_id, fields, Actor(user_id, now, client))

    def delete_record(self, record_id: str, *, as_user: str | None = None) -> None:
        with self.lock:
            now = self.clock.now()
            user_id = as_user or Seeder(self.store, now).admin().user_id
            self.store.delete(None, record_id, Actor(user_id, now))

    def record(self, record_id: str) -> dict[str, Any] | None:
        """A copy of the stored record, hidden bookkeeping (``_LastModifiedClient``) included."""
        with self.lock:
            found = self.store.find(record_id)
            return dict(found[1]) if found else None

    def user_id(self, username: str) -> str:
        with self.lock:
            return next(
                u["Id"]
                for u in self.store.live("User")
                if u["Username"].lower() == username.lower()
            )
