"""Enrollment on a CalDAV/CardDAV server: the domains the setup page claims, and a probe that
reads the user's principal as the service account (one PROPFIND)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from connections.providers.caldav import discovery
from connections.providers.caldav.client import DavClient, DavError
from connections.providers.caldav.errors import store_error
from connections.providers.caldav.models import CalDavSettings
from syncengine.provider import Probe
from syncengine.stores.base import AuthFailed, NotFound


@dataclass
class DavMailboxes:
    settings: CalDavSettings
    method: str = "caldav"
    recheck_denied: bool = False
    client: DavClient | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.additional_domains: Sequence[str] = self.settings.mail.domains

    def domains(self) -> frozenset[str] | None:
        return frozenset(self.settings.mail.domains) or None

    def _client(self, address: str) -> DavClient | None:
        if self.settings.per_user:
            credentials = self.settings.credentials_for(address)
            return DavClient(self.settings.server_url, *credentials) if credentials else None
        if self.client is None:
            s = self.settings
            self.client = DavClient(s.server_url, s.username, s.password)
        return self.client

    def probe(self, address: str) -> Probe:
        client = self._client(address)
        if client is None:
            return Probe(
                "no_access",
                f"No app password is stored for {address}: add one on the CalDAV setup page.",
            )
        principal = self.settings.url_template
        try:
            principal = discovery.find_principal(client, self.settings.url_template, address)
            discovery.homes(client, principal)
        except DavError as exc:
            error = store_error(exc)
            if isinstance(error, NotFound):
                return Probe(
                    "no_mailbox",
                    f"The server has no account at {principal} for {address}: check the URL "
                    "template, or have the user sign in to the server once.",
                )
            if isinstance(error, AuthFailed):
                return Probe(
                    "no_access",
                    f"The server refused access to {address}'s collections: give the service "
                    "account delegated access to this user, or check the user's app password.",
                )
            return Probe(
                "unavailable",
                f"The CalDAV server could not be asked about {address} ({exc.message}); lsync "
                "tries again at the next enrollment run.",
            )
        return Probe("ok")
