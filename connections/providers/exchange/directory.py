"""Enrollment on Exchange: the domains the service account serves (its own and the additional
domains), and a probe that opens the user's mailbox through impersonation (one GetFolder of the
user's Contacts), with one link-error sentence per way it can fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exchangelib.folders import Contacts, FolderCollection, Root

from connections.providers.exchange.client import EwsConfig, ExchangeClient
from connections.providers.exchange.errors import store_error
from syncengine.provider import Outcome, Probe
from syncengine.stores.base import AuthFailed, NotFound, ProviderError


def open_mailbox(client: ExchangeClient, address: str) -> None:
    """One request: GetFolder of the user's Contacts, as the user (impersonation)."""

    def action(account: Any) -> None:
        folders = FolderCollection(account=account, folders=[Contacts(root=Root(account=account))])
        for found in folders.get_folders():
            if isinstance(found, Exception):
                raise found

    client.run(address, action)


def outcome_of(error: ProviderError, message: str) -> Outcome:
    if "has no mailbox" in message:
        return "no_mailbox"
    if isinstance(error, AuthFailed):
        return "no_access"
    if isinstance(error, NotFound):
        return "no_mailbox"
    return "unavailable" if not error.permanent else "no_access"


@dataclass
class ExchangeMailboxes:
    settings: EwsConfig
    method: str = "exchange"
    recheck_denied: bool = False
    client: ExchangeClient | None = None

    def __post_init__(self) -> None:
        self.additional_domains: Sequence[str] = self.settings.additional_domains

    def _client(self) -> ExchangeClient:
        if self.client is None:
            self.client = ExchangeClient(self.settings)
        return self.client

    def domains(self) -> frozenset[str] | None:
        own = self.settings.primary_domain
        return frozenset({own}) if own else None

    def probe(self, address: str) -> Probe:
        try:
            open_mailbox(self._client(), address)
        except Exception as exc:
            error = store_error(exc, service_account=self.settings.username, mailbox=address)
            message = error.message
            if message.startswith("Exchange could not be reached"):
                message = (
                    f"Exchange could not be reached to check {address}'s mailbox; lsync tries "
                    "again at the next enrollment run."
                )
            return Probe(outcome_of(error, message), message)
        return Probe("ok")


def for_connection(connection: Any) -> ExchangeMailboxes:
    return ExchangeMailboxes(EwsConfig.from_connection(connection))
