"""Microsoft 365, mail side of enrollment: the tenant's mailbox domains, and whether lsync may
open an address's mailbox (a probe of its contact folders through Graph)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from connections.providers.microsoft.checks import (
    CONSENT,
    explain_mailbox_error,
    explain_token_error,
)
from connections.providers.microsoft.client import GraphClient, GraphError, TokenError
from syncengine.provider import Outcome, Probe, domain_of


@dataclass
class GraphMailboxes:
    tenant_id: str
    additional_domains: Sequence[str] = ()
    method: str = "microsoft365"
    recheck_denied: bool = False
    client: GraphClient | None = None
    _domains: frozenset[str] | None = None
    _listed: bool = False

    def _graph(self) -> GraphClient:
        if self.client is None:
            self.client = GraphClient(self.tenant_id)
        return self.client

    def domains(self) -> frozenset[str] | None:
        """The domains of the tenant's users (needs User.Read.All; None without it)."""
        if not self._listed:
            self._listed = True
            found: set[str] = set()
            try:
                params = {"$select": "userPrincipalName,mail", "$top": "999"}
                for page in self._graph().pages("/users", params=params):
                    for user in page.get("value") or []:
                        for key in ("userPrincipalName", "mail"):
                            if user.get(key) and "#EXT#" not in str(user[key]):
                                found.add(domain_of(str(user[key])))
            except GraphError:
                found = set()
            self._domains = frozenset(found) or None
        return self._domains

    def probe(self, address: str) -> Probe:
        path = f"/users/{quote(address, safe='@')}/contactFolders"
        try:
            self._graph().send("GET", path, params={"$top": "1"})
        except TokenError as error:
            outcome: Outcome = (
                "unavailable" if error.throttled or error.status == 0 else "no_access"
            )
            return Probe(outcome, explain_token_error(error, self.tenant_id))
        except GraphError as error:
            code = error.code.lower()
            if code in ("mailboxnotenabledforrestapi", "errorinvaliduser") or error.status == 404:
                return Probe("no_mailbox", explain_mailbox_error(error, address))
            if error.status in (401, 403):
                message = explain_mailbox_error(error, address)
                if "policy" not in error.message.lower():
                    message = (
                        f"Microsoft 365 does not let lsync open {address}'s mailbox: the app's "
                        f"consent is missing or lacks Contacts.ReadWrite. {CONSENT}"
                    )
                return Probe("no_access", message)
            return Probe("unavailable", explain_mailbox_error(error, address))
        return Probe("ok")
