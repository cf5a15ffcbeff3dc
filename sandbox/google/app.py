"""The Google Workspace emulator: routes, auth checks, stateful faults and the Python API that
tests and the demo use to seed and inspect it. See docs in ``seed.py`` for the seed payload."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from typing import Any

from sandbox.core import Emulator, FaultRule, Request, Response
from sandbox.google.auth import Authority, require
from sandbox.google.batch import BatchApi
from sandbox.google.calendar import CalendarApi
from sandbox.google.control import WorkspaceState
from sandbox.google.errors import (
    INSUFFICIENT_SCOPES,
    UNAUTHENTICATED_MESSAGE,
    ApiError,
    calendar_error,
    calendar_not_found,
    fault_error,
    people_error,
    with_error_list,
)
from sandbox.google.groups import GroupsApi
from sandbox.google.lag import snapshot
from sandbox.google.people import PeopleApi
from sandbox.google.quota import Quotas, retry_seconds
from sandbox.google.store import Mailbox, Pages
from sandbox.google.watch import Channels

#: Extra fault kinds (403 usageLimits errors), accepted by ``inject`` and /_control/faults.
QUOTA_KINDS = ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded")
BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
EVENTS = r"/calendar/v3/calendars/(?P<calendar_id>[^/]+)/events"
PERSON = r"/v1/people/(?P<person>[^/:]+)"
GROUP = r"/v1/contactGroups/(?P<group_id>[^/:]+)"


def family(route_name: str) -> str:
    if route_name == "google.token":
        return "token"
    return "people" if route_name.startswith("google.people") else "calendar"


class GoogleEmulator(WorkspaceState, Emulator):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.domain = "example.com"
        self.mailboxes: dict[str, Mailbox] = {}
        self.outside: set[str] = set()
        self.suspended: set[str] = set()
        self.authority = Authority(self.clock, self._lookup)
        self.pages = Pages()
        self.cursor_epoch = 0
        self.ids = random.Random(f"google-ids-{seed}")
        self.sent_updates: list[dict[str, Any]] = []
        self._people_sync_lag = 0.0
        # People errors with the older errors[] list as well as google.rpc details.
        self.error_lists = False
        self._faulted = threading.local()
        self.quotas = Quotas(self.clock)
        people, groups = PeopleApi(self), GroupsApi(self)
        cal, batch = CalendarApi(self), BatchApi(self)
        # Push: set `channels.deliver`, edit a calendar, then `channels.pump()` (watch.py).
        self.channels = Channels(self, cal.mailbox)
        table: list[tuple[str, str, str, Callable[..., Response]]] = [
            ("POST", r"/token", "google.token", self.authority.token_endpoint),
            ("GET", PERSON + r"/connections", "google.people.connections.list", people.connections),
            ("GET", r"/v1/people:batchGet", "google.people.batchGet", people.batch_get),
            ("POST", r"/v1/people:createContact", "google.people.create", people.create),
            ("POST", r"/v1/people:batchCreateContacts", "google.people.batchCreate", people.batch_create),
            ("POST", r"/v1/people:batchUpdateContacts", "google.people.batchUpdate", people.batch_update),
            ("POST", r"/v1/people:batchDeleteContacts", "google.people.batchDelete", people.batch_delete),
            ("PATCH", PERSON + r":updateContact", "google.people.update", people.update),
            ("DELETE", PERSON + r":deleteContact", "google.people.delete", people.delete),
            ("GET", PERSON, "google.people.get", people.get),
            ("GET", r"/v1/contactGroups", "google.people.groups.list", groups.list_groups),
            ("POST", r"/v1/contactGroups", "google.people.groups.create", groups.create),
            ("GET", GROUP, "google.people.groups.get", groups.get),
            ("PUT", GROUP, "google.people.groups.update", groups.update),
            ("DELETE", GROUP, "google.people.groups.delete", groups.delete),
            ("POST", GROUP + r"/members:modify", "google.people.groups.modify", groups.modify),
            ("GET", EVENTS, "google.calendar.events.list", cal.list_events),
            ("POST", EVENTS, "google.calendar.events.insert", cal.insert),
            ("POST", EVENTS + r"/watch", "google.calendar.events.watch", self.channels.watch),
            ("POST", r"/calendar/v3/channels/stop", "google.calendar.channels.stop", self.channels.stop),
            ("GET", EVENTS + r"/(?P<event_id>[^/]+)/instances", "google.calendar.events.instances", cal.instances),
            ("GET", EVENTS + r"/(?P<event_id>[^/]+)", "google.calendar.events.get", cal.get),
            ("PATCH", EVENTS + r"/(?P<event_id>[^/]+)", "google.calendar.events.patch", cal.patch),
            ("PUT", EVENTS + r"/(?P<event_id>[^/]+)", "google.calendar.events.update", cal.update),
            ("DELETE", EVENTS + r"/(?P<event_id>[^/]+)", "google.calendar.events.delete", cal.delete),
            ("POST", r"/batch/calendar/v3", "google.batch", batch.handle),
        ]  # fmt: skip
        for method, pattern, name, handler in table:
            self.route(method, pattern, name, self._guarded(name, handler))

    @property
    def people_sync_lag(self) -> float:
        """Seconds before a People write shows in connections.list (Google: "minutes")."""
        return self._people_sync_lag

    @people_sync_lag.setter
    def people_sync_lag(self, seconds: float) -> None:
        with self.lock:
            self._people_sync_lag = float(seconds)
            for mailbox in self.mailboxes.values():
                for contact in mailbox.contacts.values():
                    contact.history.clear()
                    snapshot(contact, self._people_sync_lag, self.clock.now(), settled=True)

    @classmethod
    def product_env(cls, base_url: str) -> dict[str, str]:
        base = base_url.rstrip("/")
        return {
            "LSYNC_GOOGLE_TOKEN_URI": base + "/token",
            "LSYNC_GOOGLE_PEOPLE_URL": base,
            "LSYNC_GOOGLE_CALENDAR_URL": base + "/calendar/v3",
            "LSYNC_GOOGLE_BATCH_URL": base + "/batch/calendar/v3",
        }

    # --- faults ------------------------------------------------------------------------------
    def inject(self, kind: str, route: str = ".*", **options: Any) -> FaultRule:
        if kind not in QUOTA_KINDS:
            return super().inject(kind, route, **options)
        rule = FaultRule(kind=kind, route=route, **options)
        with self.lock:
            self.faults.append(rule)
        return rule

    def apply_fault(self, rule: FaultRule, route_name: str) -> Response | None:
        # Fault answers run outside the lock; the route's family is per thread.
        self._faulted.family = family(route_name)
        if rule.kind in QUOTA_KINDS:
            return fault_error(self._faulted.family, 403, rule.retry_after, rule.kind).response
        return super().apply_fault(rule, route_name)

    def fault_response(self, status: int, retry_after: int) -> Response:
        """The error Google sends for ``status``, in the shape of the route being faulted."""
        shape = getattr(self._faulted, "family", "calendar")
        return fault_error(shape, status, retry_after).response

    def not_found(self, request: Request) -> Response:
        if request.path.startswith("/v1/"):
            return people_error(404, "Method not found.", "NOT_FOUND").response
        return calendar_not_found().response

    def revoke_tokens(self) -> None:
        self.authority.revoke_tokens()

    def expire_cursors(self) -> None:
        self.cursor_epoch += 1

    def seed(self, payload: Any) -> Any:
        from sandbox.google.seed import seed_payload

        with self.lock:
            return seed_payload(self, payload or {})

    def _guarded(self, name: str, handler: Callable[..., Response]) -> Callable[..., Response]:
        def run(request: Request, **params: str) -> Response:
            if name != "google.token" and name != "google.batch":
                token = self.authority.token_for(request)
                wait = self.quotas.admit(name, token.subject if token else "anonymous")
                if wait is not None:
                    status = 429 if family(name) == "people" else 403
                    reason = "userRateLimitExceeded"
                    return fault_error(family(name), status, retry_seconds(wait), reason).response
            try:
                return handler(request, **params)
            except ApiError as exc:
                if self.error_lists and family(name) == "people":
                    return with_error_list(exc.response)
                return exc.response
            except json.JSONDecodeError:
                # Unparseable JSON bodies, answered the way Google's front end does.
                body = {"code": 400, "message": "Invalid JSON payload received.",
                        "status": "INVALID_ARGUMENT"}  # fmt: skip
                return Response.json({"error": body}, 400)

        return run

    def set_quota(self, route: str, per_minute: int) -> None:
        """Per-user requests per minute on routes matching ``route`` (0 removes the quota)."""
        with self.lock:
            self.quotas.set(route, per_minute)

    def clear_faults(self) -> None:
        super().clear_faults()
        with self.lock:
            self.quotas.clear()

    # --- auth for API calls -----------------------------------------------------------------
    def _lookup(self, email: str) -> str:
        if email in self.mailboxes and email not in self.suspended:
            return "ok"
        return "outside" if email in self.outside else "unknown"

    def people_mailbox(self, request: Request, write: bool) -> Mailbox:
        def unauthenticated() -> ApiError:
            reason = (
                "ACCESS_TOKEN_EXPIRED" if request.header("authorization") else "CREDENTIALS_MISSING"
            )
            return people_error(401, UNAUTHENTICATED_MESSAGE, "UNAUTHENTICATED", reason)

        def insufficient() -> ApiError:
            return people_error(
                403, INSUFFICIENT_SCOPES, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
            )

        token = require(self.authority, request, "people", write, unauthenticated, insufficient)
        mailbox = self.mailboxes.get(token.subject)
        if mailbox is None:
            raise people_error(403, "The caller does not have permission", "PERMISSION_DENIED")
        return mailbox

    def calendar_mailbox(self, request: Request, write: bool) -> Mailbox:
        def unauthenticated() -> ApiError:
            return calendar_error(
                401,
                "authError",
                "Invalid Credentials",
                location="Authorization",
                location_type="header",
            )

        def insufficient() -> ApiError:
            return calendar_error(403, "insufficientPermissions", "Insufficient Permission")

        token = require(self.authority, request, "calendar", write, unauthenticated, insufficient)
        mailbox = self.mailboxes.get(token.subject)
        if mailbox is None:
            raise calendar_not_found()
        return mailbox
