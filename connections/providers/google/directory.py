"""Google Workspace, mail side of enrollment: whether the service account may act as an address
(a token with domain-wide delegation for it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connections.providers.google.client import (
    SCOPES,
    GoogleApiError,
    GoogleAuthError,
    GoogleClient,
)
from syncengine.provider import Probe, domain_of

DWD_PATH = "Google Admin console > Security > API controls > Domain-wide delegation"


@dataclass
class GoogleMailboxes:
    info: dict[str, Any]
    additional_domains: Sequence[str] = ()
    known_good: list[str] = field(default_factory=list)
    method: str = "google"
    recheck_denied: bool = True

    def domains(self) -> frozenset[str] | None:
        # Google tells a service account nothing about its Workspace's domains without the
        # Admin SDK's scopes, which lsync does not ask for; probes tell the cases apart instead.
        return None

    def _token(self, subject: str) -> None:
        GoogleClient(self.info, subject, SCOPES).fetch_token()

    def probe(self, address: str) -> Probe:
        try:
            self._token(address)
        except GoogleAuthError as error:
            if error.reason == "invalid_grant" and "email" in error.message.lower():
                return Probe(
                    "no_mailbox",
                    f"{address} is not an active user of your Google Workspace (unknown, "
                    "suspended or deleted). Check the user's e-mail address in Salesforce, or "
                    "restore the Google account.",
                )
            if error.reason == "unauthorized_client":
                return self._denied(address)
            return Probe(
                "unavailable" if error.status >= 500 else "no_access",
                f"Google refused the service account's key ({error.reason}: {error.message}). "
                "Use Test Connection on the Google setup page.",
            )
        except GoogleApiError as error:
            return Probe(
                "unavailable",
                f"Google could not be reached to check {address} ({error.message}); lsync "
                "tries again at the next enrollment run.",
            )
        except ValueError as error:
            return Probe("no_access", f"The stored Google key cannot be used: {error}.")
        if address not in self.known_good:
            self.known_good.append(address)
        return Probe("ok")

    def _denied(self, address: str) -> Probe:
        client_id = self.info.get("client_id", "?")
        for reference in self.known_good:
            if reference == address:
                continue
            try:
                self._token(reference)
            except GoogleApiError:
                continue
            # Delegation is granted for the whole Workspace: it works for another user, so
            # this address is not one of the Workspace's users.
            return Probe(
                "not_covered",
                f"{address} is not in your Google Workspace domain ({domain_of(reference)} is): "
                "the service account may not act for it. Change the user's e-mail in "
                "Salesforce to their Workspace address.",
            )
        return Probe(
            "no_access",
            f"Google refused to let the service account act as {address}: domain-wide delegation "
            f"is not granted. In the {DWD_PATH}, add client ID {client_id} with the scopes "
            f"{','.join(SCOPES)} (it can take up to 24 hours to apply). If delegation is "
            f"granted, {address} is not a user of your Workspace domain.",
        )
