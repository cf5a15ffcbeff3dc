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

    def probe(self, address: str) -> Probe:
        if self.client is None:
            s = self.settings
            self.client = DavClient(s.server_url, s.username, s.password)
        principal = discovery.principal_url(self.settings.url_template, address)
        try:
            discovery.homes(self.client, principal)
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
                    f"The service account may not read {address}'s collections: give it "
                    "delegated access to this user on the server.",
                )
            return Probe(
                "unavailable",
                f"The CalDAV server could not be asked about {address} ({exc.message}); lsync "
                "tries again at the next enrollment run.",
            )
        return Probe("ok")
