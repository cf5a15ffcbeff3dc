"""The Salesforce emulator: route wiring, sessions, the daily API limit and the Python API
tests and the demo use (connected apps, users, records, settings).

Injected faults answer as Salesforce does: 500 ``UNKNOWN_EXCEPTION``, 503 ``SERVER_UNAVAILABLE``;
Salesforce never answers 429, so an injected "429" is its throttle instead: 403
``REQUEST_LIMIT_EXCEEDED`` with the concurrent-request message (no Retry-After; Salesforce
sends none). ``revoke_tokens()`` ends every session (401 ``INVALID_SESSION_ID`` next).
``expire_cursors()`` is what a purged recycle bin / delete log does to a replicating client:
``earliestDateAvailable`` moves to now, so every older ``deleted`` window answers
INVALID_REPLICATION_DATE, and open query cursors (``nextRecordsUrl``) become invalid."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from sandbox.core import Emulator, Request, Response
from sandbox.salesforce.admin import OrgAdmin
from sandbox.salesforce.auth import Auth, OAuthError
from sandbox.salesforce.context import Ctx, call_client
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.rest_collections import CollectionsApi
from sandbox.salesforce.rest_composite import CompositeApi
from sandbox.salesforce.rest_query import QueryApi
from sandbox.salesforce.rest_replication import ReplicationApi
from sandbox.salesforce.rest_sobjects import SObjectApi
from sandbox.salesforce.store import Actor, OrgStore

API = r"/services/data/v(?P<version>\d+\.\d)"
MIN_VERSION, MAX_VERSION = 29.0, 67.0
COLLECTIONS_MIN_VERSION = 42.0

ApiHandler = Callable[..., Response]


class SalesforceEmulator(OrgAdmin, Emulator):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.store = OrgStore()
        self.auth = Auth()
        self.api_limit = 15000
        self.api_calls: deque[datetime] = deque()
        self.queries = QueryApi(self.store)
        sobjects = SObjectApi(self.store)
        collections = CollectionsApi(self.store)
        replication = ReplicationApi(self.store)
        composite = CompositeApi(self.store, self._dispatch)
        self.route("POST", r"/services/oauth2/token", "salesforce.token", self.token)
        self.route("GET", r"/services/data/?", "salesforce.versions", self.versions)
        routes: list[tuple[str, str, str, ApiHandler]] = [
            ("GET", r"/limits/?", "limits", self.limits),
            ("GET", r"/query/?", "query", self.queries.query),
            ("GET", r"/queryAll/?", "queryAll", self.queries.query_all),
            ("GET", r"/query(?:All)?/(?P<locator>[\w-]+)", "query.more", self.queries.more),
            ("POST", r"/composite/?", "composite", composite.run),
            ("POST", r"/composite/sobjects/?", "collections.create", collections.create),
            ("PATCH", r"/composite/sobjects/?", "collections.update", collections.update),
            ("DELETE", r"/composite/sobjects/?", "collections.delete", collections.delete),
            ("GET", r"/sobjects/(?P<obj>\w+)/updated/?", "sobject.updated", replication.updated),
            ("GET", r"/sobjects/(?P<obj>\w+)/deleted/?", "sobject.deleted", replication.deleted),
            ("GET", r"/sobjects/?", "describe.global", sobjects.describe_global),
            ("GET", r"/sobjects/(?P<obj>\w+)/describe/?", "sobject.describe", sobjects.describe),
            ("POST", r"/sobjects/(?P<obj>\w+)/?", "sobject.create", sobjects.create),
            ("GET", r"/sobjects/(?P<obj>\w+)/(?P<record_id>\w+)/?", "sobject.get", sobjects.get),
            ("PATCH", r"/sobjects/(?P<obj>\w+)/(?P<record_id>\w+)/?", "sobject.update", sobjects.update),
            ("DELETE", r"/sobjects/(?P<obj>\w+)/(?P<record_id>\w+)/?", "sobject.delete", sobjects.delete),
        ]  # fmt: skip
        self.api_routes = [(m, re.compile(p + r"\Z"), h) for m, p, _n, h in routes]
        for method, pattern, name, handler in routes:
            self.route(method, API + pattern, f"salesforce.{name}", self._api(handler))

    def _dispatch(self, method: str, path: str) -> tuple[ApiHandler, dict[str, str]] | None:
        """The unwrapped handler for a path under /services/data/vNN.N (composite subrequests)."""
        for route_method, pattern, handler in self.api_routes:
            match = pattern.match(path)
            if route_method == method and match:
                return handler, match.groupdict()
        return None

    # --- settings ------------------------------------------------------------------------------
    @property
    def page_size(self) -> int:
        return self.queries.page_size

    @page_size.setter
    def page_size(self, value: int) -> None:
        self.queries.page_size = value

    @property
    def session_timeout(self) -> float:
        return self.auth.timeout.total_seconds()

    @session_timeout.setter
    def session_timeout(self, seconds: float) -> None:
        self.auth.timeout = timedelta(seconds=seconds)

    @classmethod
    def product_env(cls, base_url: str) -> dict[str, str]:
        return {"LSYNC_SALESFORCE_LOGIN_URL": base_url}

    # --- the REST wrapper --------------------------------------------------------------------
    def api_usage(self) -> int:
        horizon = self.clock.now() - timedelta(hours=24)
        while self.api_calls and self.api_calls[0] < horizon:
            self.api_calls.popleft()
        return len(self.api_calls)

    def _limit_header(self) -> tuple[str, str]:
        with self.lock:
            return ("Sforce-Limit-Info", f"api-usage={self.api_usage()}/{self.api_limit}")

    def _api(self, handler: ApiHandler) -> Callable[..., Response]:
        def wrapped(request: Request, version: str, **groups: str) -> Response:
            now = self.clock.now()
            try:
                if not MIN_VERSION <= float(version) <= MAX_VERSION:
                    raise not_found()
                if "/composite/" in request.path and float(version) < COLLECTIONS_MIN_VERSION:
                    raise not_found()
                session = self.auth.session(request.header("authorization"), now)
                if self.api_usage() >= self.api_limit:
                    raise SfError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", 403)
                self.api_calls.append(now)
                self.store.purge(now)
                user = self.store.records["User"].get(session.user_id) or {}
                actor = Actor(
                    session.user_id,
                    now,
                    call_client(request.header("sforce-call-options")),
                    user.get("TimeZoneSidKey"),
                )
                response = handler(request, Ctx(session, actor, version), **groups)
            except SfError as exc:
                response = exc.response()
            response.headers.append(self._limit_header())
            return response

        return wrapped

    def fault_response(self, status: int, retry_after: int) -> Response:
        if status == 429:
            error = SfError(
                "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", 403
            )
        elif status == 503:
            error = SfError(
                "SERVER_UNAVAILABLE", "Server temporarily unavailable; please retry later.", 503
            )
        else:
            error = SfError(
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact "
                f"support: {self.rng.randint(10**8, 10**9)}-{self.rng.randint(1000, 99999)} "
                f"({self.rng.randint(-(10**9), 10**9)})",
                status,
            )
        return error.response([self._limit_header()])

    def not_found(self, request: Request) -> Response:
        """Salesforce's answers for unknown resources and for methods a resource lacks."""
        allowed = sorted({r.method for r in self.routes if r.pattern.match(request.path)})
        if allowed:
            error = SfError(
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are {','.join(allowed)}",
                405,
            )
            return error.response([self._limit_header()])
        return not_found().response([self._limit_header()])

    # --- endpoints outside the wrapper -------------------------------------------------------
    def token(self, request: Request) -> Response:
        now = self.clock.now()
        # wsgiref reports "http" even behind TLS; the sandbox is only ever served over HTTPS.
        base_url = "https://" + request.base_url.partition("://")[2]
        try:
            claims = self.auth.verify(request.form(), base_url, now)
            username = str(claims["sub"]).lower()
            user = next(
                (u for u in self.store.live("User") if u["Username"].lower() == username), None
            )
            app = self.auth.check_user(claims, user)
            assert user is not None
            body = self.auth.open_session(self.store.org_id, user, app, base_url, now)
        except OAuthError as exc:
            return Response.json({"error": exc.error, "error_description": exc.description}, 400)
        return Response.json(body)

    def versions(self, request: Request) -> Response:
        out = []
        for major in range(int(MIN_VERSION), int(MAX_VERSION) + 1):
            out.append(
                {
                    "label": f"v{major}.0",
                    "url": f"/services/data/v{major}.0",
                    "version": f"{major}.0",
                }
            )
        return Response.json(out)

    def limits(self, request: Request, ctx: Ctx) -> Response:
        used = self.api_usage()
        return Response.json(
            {
                "DailyApiRequests": {
                    "Max": self.api_limit,
                    "Remaining": max(0, self.api_limit - used),
                }
            }
        )

    # --- stateful faults, seeding and inspection ---------------------------------------------
    def revoke_tokens(self) -> None:
        self.auth.revoke()

    def expire_cursors(self) -> None:
        self.store.purged_before = self.clock.now()
        self.queries.expire_all()
