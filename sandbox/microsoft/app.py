"""The Microsoft emulator: Entra ID (identity) at the base URL and Microsoft Graph under /v1.0.

Python API for tests: ``register_app``, ``add_tenant``, ``grant_consent``, ``revoke_consent``,
``add_mailbox``, ``block_mailbox``, ``add_contact``, ``add_event``, ``invitations``,
``revoke_tokens``, ``expire_cursors``. ``seed`` keys are documented in ``seed.seed``.
"""

from __future__ import annotations

import io
import ssl
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from sandbox.core import PARSED, Emulator, FaultRule, Request, Response
from sandbox.microsoft import access, batch, calendar, consent, contacts, events, identity, meetings
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import AADError, GraphError, graph_error
from sandbox.microsoft.seed import add_contact, add_event, seed
from sandbox.microsoft.state import App, Invitation, Mailbox, Tenant
from sandbox.microsoft.subscriptions import Subscriptions

U = r"/users/(?P<user>[^/]+)"
GRAPH_FAULTS = {
    429: ("TooManyRequests", "Please retry again later."),
    500: ("ErrorInternalServerError", "An internal server error occurred. The operation failed."),
    503: ("ServiceNotAvailable", "The service is temporarily unavailable. Please try again later."),
}
AAD_FAULTS = {
    429: (90055, "TenantThrottlingError - There are too many incoming requests."),
    500: (90033, "A transient error has occurred. Please try again."),
    503: (90033, "A transient error has occurred. Please try again."),
}


class MicrosoftEmulator(Emulator):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.directory = Directory(seed, self.clock)
        # Change notifications: set `subscriptions.deliver`, edit, then `subscriptions.pump()`.
        self.subscriptions = Subscriptions(self.directory)
        d = self.directory
        tenant = r"/(?P<tenant>[^/_][^/]*)"
        self.route("GET", tenant + r"/v2\.0/\.well-known/openid-configuration", "identity.discovery",
                   lambda r, tenant: identity.discovery(d, r, tenant))  # fmt: skip
        self.route("POST", tenant + r"/oauth2/v2\.0/token", "identity.token",
                   lambda r, tenant: identity.token(d, r, tenant))  # fmt: skip
        for method in ("GET", "POST"):
            for path in (r"/v2\.0/adminconsent", r"/adminconsent"):
                self.route(method, tenant + path, "identity.adminconsent",
                           lambda r, tenant: consent.consent_page(d, r, tenant))  # fmt: skip
        self.route(
            "GET", r"/_control/invitations", "control.invitations", self._control_invitations
        )
        self._graph_routes()

    def _graph_routes(self) -> None:
        g = self.graph
        g("POST", r"/\$batch", "graph.batch", self._batch)
        subs, one_sub = r"/subscriptions", r"/subscriptions/(?P<sub_id>[^/]+)"
        g("POST", subs, "graph.subscriptions.create", self.subscriptions.create)
        g("GET", one_sub, "graph.subscriptions.get", self.subscriptions.get)
        g("PATCH", one_sub, "graph.subscriptions.update", self.subscriptions.renew)
        g("DELETE", one_sub, "graph.subscriptions.delete", self.subscriptions.delete)
        g("GET", r"/users", "graph.users.list", access.list_users)
        g("GET", U, "graph.users.get", access.get_user)
        g("GET", U + r"/mailboxSettings", "graph.mailboxSettings.get", access.mailbox_settings)
        folders = U + r"/contactFolders"
        folder = folders + r"/(?P<folder>[^/]+)"
        g("GET", folders, "graph.contactFolders.list", contacts.list_folders)
        g("POST", folders, "graph.contactFolders.create", contacts.create_folder)
        g("GET", folder, "graph.contactFolders.get", contacts.get_folder)
        g("DELETE", folder, "graph.contactFolders.delete", contacts.delete_folder)
        g("PATCH", folder, "graph.contactFolders.update", contacts.rename_folder)
        for base in (folder, U):
            g("GET", base + r"/contacts/delta", "graph.contacts.delta", contacts.contacts_delta)
        for base in (folder + r"/contacts", U + r"/contacts"):
            one = base + r"/(?P<contact>[^/]+)"
            g("GET", base, "graph.contacts.list", contacts.list_contacts)
            g("POST", base, "graph.contacts.create", contacts.create_contact)
            g("GET", one, "graph.contacts.get", contacts.get_contact)
            g("PATCH", one, "graph.contacts.update", contacts.update_contact)
            g("DELETE", one, "graph.contacts.delete", contacts.delete_contact)
        for prefix in (U, U + r"/calendar"):
            g(
                "GET",
                prefix + r"/calendarView/delta",
                "graph.calendarView.delta",
                calendar.calendar_view_delta,
            )
            g("GET", prefix + r"/calendarView", "graph.calendarView.list", calendar.calendar_view)
            one = prefix + r"/events/(?P<event>[^/]+)"
            g("GET", prefix + r"/events", "graph.events.list", events.list_events)
            g("POST", prefix + r"/events", "graph.events.create", events.create_event)
            g("GET", one + r"/instances", "graph.events.instances", calendar.instances)
            g("GET", one, "graph.events.get", events.get_event)
            g("PATCH", one, "graph.events.update", events.update_event)
            g("DELETE", one, "graph.events.delete", events.delete_event)

    def graph(self, method: str, pattern: str, name: str, handler: Callable[..., Response]) -> None:
        def wrapped(request: Request, **groups: str) -> Response:
            try:
                return handler(self.directory, request, **groups)
            except GraphError as error:
                return error.response(self.directory.ids, self.clock.now())
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                # Malformed bodies reach code that trusts their shape; Graph answers 400.
                bad = GraphError(400, "BadRequest", f"Invalid request payload ({exc!r}).")
                return bad.response(self.directory.ids, self.clock.now())

        self.route(method, r"/v1\.0" + pattern, name, wrapped)

    # --- batching ----------------------------------------------------------------------------
    def _batch(self, directory: Directory, request: Request) -> Response:
        def error(exc: GraphError) -> Response:
            return exc.response(directory.ids, self.clock.now())

        return batch.run(
            request,
            lambda *a: self._sub_request(request, *a),
            error,
            directory.mailbox_concurrency,
        )

    def _sub_request(
        self,
        outer: Request,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        parsed: Any = None,
    ) -> Response:
        path, _, query = url.partition("?")
        environ: dict[str, Any] = {
            key: outer.environ[key]
            for key in ("SERVER_NAME", "SERVER_PORT", "HTTP_HOST", "wsgi.url_scheme")
            if key in outer.environ
        }
        environ.update(
            REQUEST_METHOD=method,
            PATH_INFO="/v1.0" + unquote(path),
            QUERY_STRING=query,
            CONTENT_LENGTH=str(len(body)),
        )
        environ["wsgi.input"] = io.BytesIO(body)
        if parsed is not None:
            environ[PARSED] = parsed
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ["CONTENT_TYPE" if key == "CONTENT_TYPE" else "HTTP_" + key] = value
        request = Request(environ)
        found = self.resolve(method, request.path)
        if found is None:
            return self.not_found(request)
        route, params = found
        # Each step is throttled and faulted on its own, as Graph evaluates them separately.
        rule = self._take_fault(route.name)
        if rule is not None:
            answer = self.apply_fault(rule, route.name)
            if answer is not None:
                return answer
        response = route.handler(request, **params)
        self.request_log.append((method, request.path, response.status))
        if rule is not None:
            self.after_handler(rule, route.name)  # drops the whole batch's connection
        return response

    # --- faults ------------------------------------------------------------------------------
    def fault_response(self, status: int, retry_after: int) -> Response:
        code, message = GRAPH_FAULTS.get(status, ("UnknownError", "An unknown error occurred."))
        headers = [("Retry-After", str(retry_after))] if status in (429, 503) else []
        inner = {"code": str(status), "status": str(status)} if status == 429 else None
        return graph_error(
            self.directory.ids, self.clock.now(), status, code, message, headers, inner
        )

    def apply_fault(self, rule: FaultRule, route_name: str) -> Response | None:
        if rule.kind in ("429", "500", "503") and route_name.startswith("identity."):
            status = int(rule.kind)
            code, message = AAD_FAULTS[status]
            response = AADError(status, "temporarily_unavailable", code, message).response(
                self.directory.ids, self.clock.now()
            )
            if status in (429, 503):
                response.headers.append(("Retry-After", str(rule.retry_after)))
            return response
        return super().apply_fault(rule, route_name)

    def not_found(self, request: Request) -> Response:
        if request.path.startswith("/v1.0"):
            segment = request.path.rstrip("/").rsplit("/", 1)[-1]
            return graph_error(
                self.directory.ids,
                self.clock.now(),
                400,
                "BadRequest",
                f"Resource not found for the segment '{segment}'.",
            )
        return super().not_found(request)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        # wsgiref reports "http" even behind sandbox.server's TLS socket; links we hand out
        # (token endpoint, nextLink, deltaLink) must say https or msal refuses them.
        if isinstance(environ.get("sandbox.socket"), ssl.SSLSocket):
            environ["wsgi.url_scheme"] = "https"
        return super().__call__(environ, start_response)

    def _control_invitations(self, request: Request) -> Response:
        mailbox = request.arg("mailbox")
        sent = [
            {**vars(i), "sent_at": i.sent_at.isoformat()}
            for i in self.directory.invitations
            if mailbox is None or i.mailbox == mailbox.lower()
        ]
        return Response.json({"invitations": sent})

    def revoke_tokens(self) -> None:
        with self.lock:
            self.directory.tokens.clear()

    def expire_cursors(self) -> None:
        with self.lock:
            self.directory.cursors.clear()

    # --- Python API ----------------------------------------------------------------------------
    def register_app(
        self,
        client_id: str,
        client_secret: str | None = None,
        certificate_pem: str | bytes | None = None,
        redirect_uris: list[str] | None = None,
        secret_expires_at: datetime | None = None,
    ) -> App:
        with self.lock:
            return self.directory.register_app(
                client_id, client_secret, certificate_pem, redirect_uris, secret_expires_at
            )

    def add_tenant(self, tenant_id: str, domains: list[str]) -> Tenant:
        with self.lock:
            return self.directory.add_tenant(tenant_id, domains)

    def grant_consent(self, tenant_id: str, client_id: str, roles: set[str] | None = None) -> None:
        with self.lock:
            self.directory.grant_consent(tenant_id, client_id, roles)

    def revoke_consent(self, tenant_id: str, client_id: str) -> None:
        with self.lock:
            self.directory.revoke_consent(tenant_id, client_id)

    def add_mailbox(
        self, tenant_id: str, upn: str, display_name: str, has_mailbox: bool = True
    ) -> Mailbox:
        with self.lock:
            return self.directory.add_mailbox(tenant_id, upn, display_name, has_mailbox)

    def mailbox(self, upn: str) -> Mailbox:
        return self.directory.mailbox(upn)

    def block_mailbox(self, upn: str, blocked: bool = True) -> None:
        self.directory.mailbox(upn).blocked = blocked

    def add_contact(self, upn: str, data: dict[str, Any], folder: str | None = None) -> str:
        with self.lock:
            return add_contact(self.directory, self.directory.mailbox(upn), data, folder).id

    def add_event(self, upn: str, data: dict[str, Any]) -> str:
        with self.lock:
            return add_event(self.directory, self.directory.mailbox(upn), data).id

    def answer(self, upn: str, event_id: str, response: str) -> None:
        """The attendee `upn` answers the meeting whose copy is `event_id` in their calendar."""
        with self.lock:
            meetings.answer(self.directory, self.directory.mailbox(upn), event_id, response)

    def invitations(self, upn: str) -> list[Invitation]:
        return self.directory.invitations_for(upn)

    def seed(self, payload: Any) -> Any:
        with self.lock:
            return seed(self.directory, payload or {})

    def state(self) -> Any:
        d = self.directory
        return {
            "apps": sorted(d.apps),
            "tenants": [
                {
                    "id": t.id,
                    "domains": t.domains,
                    "consents": {c: sorted(r) for c, r in t.consents.items()},
                    "mailboxes": [
                        {
                            "upn": b.upn,
                            "has_mailbox": b.has_mailbox,
                            "folders": len(b.folders),
                            "contacts": len(b.contacts),
                            "events": len(b.events),
                            "invitations": len(d.invitations_for(b.upn)),
                        }
                        for b in t.users.values()
                    ],
                }
                for t in d.tenants.values()
            ],
            "tokens": len(d.tokens),
            "cursors": len(d.cursors),
            "invitations": len(d.invitations),
            "now": self.clock.now().isoformat(),
        }

    @classmethod
    def product_env(cls, base_url: str) -> dict[str, str]:
        return {"LSYNC_MICROSOFT_LOGIN_URL": base_url, "LSYNC_GRAPH_URL": base_url + "/v1.0"}
