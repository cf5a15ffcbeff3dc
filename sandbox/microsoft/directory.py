"""The emulator's whole state and the Python API tests use to arrange and inspect it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.core import Clock
from sandbox.microsoft.errors import GraphError, Ids
from sandbox.microsoft.state import (
    GRAPH_ROLES,
    App,
    IdMaker,
    Invitation,
    Item,
    Mailbox,
    Tenant,
    certificate_from_pem,
)

GRAPH_RESOURCE = "https://graph.microsoft.com"
TOKEN_LIFETIME = 3599


@dataclass
class Token:
    tenant_id: str
    client_id: str
    resource: str
    expires_at: datetime


class Directory:
    def __init__(self, seed: int, clock: Clock) -> None:
        self.clock = clock
        self.ids = Ids(seed)
        self.make = IdMaker(seed)
        self.apps: dict[str, App] = {}
        self.tenants: dict[str, Tenant] = {}
        self.tokens: dict[str, Token] = {}
        # Outlook keeps a bounded number of sync states; the oldest go first.
        self.cursors: dict[str, Any] = {}
        self.max_cursors = 5000
        # Outlook runs at most this many requests per app and mailbox at once; in a $batch the
        # parallel steps beyond it answer 429 (None: not enforced).
        self.mailbox_concurrency: int | None = None
        self.invitations: list[Invitation] = []
        # Entra ID takes a while to replicate a fresh admin consent: until this many seconds
        # (emulator clock) have passed, token requests still fail with AADSTS700016.
        self.consent_delay = 0.0
        # When set, each delta round also repeats the items the previous round reported.
        self.delta_replays = False
        # When set, a stale delta token answers 410 with a Location to restart from.
        self.gone_with_location = False
        # Microsoft says access tokens are opaque to clients and may change shape (or be
        # encrypted) at any time; when set, tokens are random strings with no readable claims.
        self.opaque_tokens = False
        # Attendees in the directory get their copy of a meeting (sandbox/microsoft/meetings.py).
        self.meeting_copies = True

    # --- arranging ---------------------------------------------------------------------------
    def register_app(
        self,
        client_id: str,
        client_secret: str | None = None,
        certificate_pem: str | bytes | None = None,
        redirect_uris: list[str] | None = None,
        secret_expires_at: datetime | None = None,
    ) -> App:
        app = self.apps.get(client_id) or App(client_id=client_id)
        if client_secret is not None:
            app.secret = client_secret
            app.secret_expires_at = secret_expires_at
        if certificate_pem is not None:
            app.certificates.append(certificate_from_pem(certificate_pem))
        if redirect_uris:
            app.redirect_uris = list(redirect_uris)
        self.apps[client_id] = app
        return app

    def add_tenant(self, tenant_id: str, domains: list[str]) -> Tenant:
        tenant = self.tenants.get(tenant_id) or Tenant(id=tenant_id, domains=[])
        for domain in domains:
            if domain.lower() not in tenant.domains:
                tenant.domains.append(domain.lower())
        self.tenants[tenant_id] = tenant
        return tenant

    def grant_consent(
        self, tenant_id: str, client_id: str, roles: set[str] | frozenset[str] | None = None
    ) -> None:
        tenant = self.tenant(tenant_id)
        tenant.consents[client_id] = set(GRAPH_ROLES if roles is None else roles)
        tenant.consented_at[client_id] = self.clock.now()

    def revoke_consent(self, tenant_id: str, client_id: str) -> None:
        self.tenant(tenant_id).consents.pop(client_id, None)

    def add_mailbox(
        self, tenant_id: str, upn: str, display_name: str, has_mailbox: bool = True
    ) -> Mailbox:
        tenant = self.tenant(tenant_id)
        box = tenant.user(upn)
        if box is None:
            box = Mailbox(
                id=self.make.guid("user", tenant_id, upn.lower()),
                tenant_id=tenant_id,
                upn=upn.lower(),
                display_name=display_name,
                has_mailbox=has_mailbox,
            )
            tenant.users[box.id] = box
        box.display_name, box.has_mailbox = display_name, has_mailbox
        if has_mailbox and not box.default_folder_id:
            now = self.clock.now()
            folder = Item(self.make.item(), {"displayName": "Contacts"}, "", now, now)
            folder.data["parentFolderId"] = self.make.item()
            box.folders[folder.id] = folder
            box.default_folder_id = folder.id
        return box

    def consent_ready(self, tenant: Tenant, client_id: str) -> bool:
        if client_id not in tenant.consents:
            return False
        granted = tenant.consented_at.get(client_id)
        return (
            granted is None or granted + timedelta(seconds=self.consent_delay) <= self.clock.now()
        )

    # --- looking up ---------------------------------------------------------------------------
    def tenant(self, tenant_id: str) -> Tenant:
        return self.tenants[tenant_id]

    def find_tenant(self, key: str) -> Tenant | None:
        key = key.lower()
        for tenant in self.tenants.values():
            if tenant.id == key or key in tenant.domains:
                return tenant
        return None

    def mailbox(self, upn: str) -> Mailbox:
        for tenant in self.tenants.values():
            box = tenant.user(upn)
            if box is not None:
                return box
        raise KeyError(upn)

    def save_cursor(self, token: str, cursor: Any) -> None:
        self.cursors[token] = cursor
        while len(self.cursors) > self.max_cursors:
            del self.cursors[next(iter(self.cursors))]

    def invitations_for(self, upn: str) -> list[Invitation]:
        return [i for i in self.invitations if i.mailbox == upn.lower()]

    # --- tokens ---------------------------------------------------------------------------------
    def issue_token(self, tenant: Tenant, client_id: str, resource: str) -> tuple[str, int]:
        import jwt

        now = self.clock.now()
        claims = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{tenant.id}/",
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(now.timestamp()) + TOKEN_LIFETIME,
            "appid": client_id,
            "idtyp": "app",
            "oid": self.make.guid("sp", tenant.id, client_id),
            "roles": sorted(tenant.consents.get(client_id, set())),
            "tid": tenant.id,
            "uti": self.ids.uuid(),
            "ver": "1.0",
        }
        # Clients never verify Graph tokens (Microsoft says not to), so a local HMAC key will do.
        key = hashlib.sha256(f"sandbox-{self.make.seed}".encode()).hexdigest()
        token = jwt.encode(claims, key, algorithm="HS256")
        if self.opaque_tokens:
            token = "opaque-" + hashlib.sha256(token.encode()).hexdigest()
        self.tokens[token] = Token(
            tenant.id, client_id, resource, now + timedelta(seconds=TOKEN_LIFETIME)
        )
        return token, TOKEN_LIFETIME

    def authenticate(self, authorization: str | None) -> tuple[Tenant, str]:
        """Checks a Graph bearer token; returns (tenant, client id) or raises the 401/403."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        token = self.tokens.get(authorization[7:].strip())
        if token is None:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "IDX14100: JWT is not well formed, there are no dots (.)."
                if "." not in authorization
                else "Access token validation failure. Invalid audience.",
            )
        if token.resource != GRAPH_RESOURCE:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
            )
        if token.expires_at <= self.clock.now():
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            )
        tenant = self.tenants.get(token.tenant_id)
        if tenant is None:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid tenant.",
            )
        if token.client_id not in tenant.consents:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return tenant, token.client_id
