"""The mail side of enrollment, per connection method: which e-mail domains the connection
covers, and whether an address has a mailbox lsync may act as.

`probe` answers one `Probe`; its message is shown to the admin as is, so it says what is wrong
and what to do. Outcomes:
- "ok": the mailbox exists and lsync may open it;
- "no_mailbox": no such user or no mailbox;
- "no_access": the mailbox exists (or may) but impersonation / delegation / consent is missing;
- "not_covered": the address is outside the domains the connection serves;
- "unverified": this method cannot be probed from here;
- "unavailable": the provider could not be asked right now (network, throttling): retry later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import quote

from connections.models import MailConnection
from connections.providers.google.client import (
    SCOPES,
    GoogleApiError,
    GoogleAuthError,
    GoogleClient,
    key_info_from_text,
)
from connections.providers.microsoft.checks import (
    CONSENT,
    explain_mailbox_error,
    explain_token_error,
)
from connections.providers.microsoft.client import GraphClient, GraphError, TokenError

Outcome = Literal["ok", "no_mailbox", "no_access", "not_covered", "unverified", "unavailable"]
DWD_PATH = "Google Admin console > Security > API controls > Domain-wide delegation"


@dataclass(frozen=True)
class Probe:
    outcome: Outcome
    message: str = ""


class MailboxDirectory(Protocol):
    method: str
    additional_domains: Sequence[str]
    # When True, enrollment probes "no_access" addresses once more after every other address:
    # a later success can show that the first refusal was about the address, not the setup.
    recheck_denied: bool

    def domains(self) -> frozenset[str] | None:
        """The mailbox domains of the connection; None when the provider cannot tell."""
        ...

    def probe(self, address: str) -> Probe: ...


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


@dataclass
class GraphMailboxes:
    tenant_id: str
    additional_domains: Sequence[str] = ()
    method: str = MailConnection.Method.MICROSOFT365
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


@dataclass
class GoogleMailboxes:
    info: dict[str, Any]
    additional_domains: Sequence[str] = ()
    known_good: list[str] = field(default_factory=list)
    method: str = MailConnection.Method.GOOGLE
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


def for_connection(
    connection: MailConnection, known_good: Iterable[str] = ()
) -> MailboxDirectory | None:
    domains = [d.lower() for d in connection.additional_domains or []]
    if connection.method == MailConnection.Method.EXCHANGE:
        # Imported here: the Exchange directory builds on this module's Probe.
        from connections.providers.exchange.directory import for_connection as exchange

        return exchange(connection)
    if connection.method == MailConnection.Method.MICROSOFT365:
        tenant = (connection.tenant_id or "").strip()
        return GraphMailboxes(tenant, domains) if tenant else None
    if connection.method == MailConnection.Method.GOOGLE and connection.service_account_key:
        try:
            info = key_info_from_text(connection.service_account_key)
        except ValueError:
            return None
        return GoogleMailboxes(info, domains, known_good=list(known_good))
    return None


def active_directories(known_good: Iterable[str] = ()) -> list[MailboxDirectory]:
    found = (for_connection(c, known_good) for c in MailConnection.active().order_by("method"))
    return [d for d in found if d is not None]
