"""The Exchange on-premises provider, as listed in LSYNC_PROVIDERS.

Enrollment links users by domain (the service account's and the additional domains) and checks
each mailbox by impersonation; the stores speak EWS through exchangelib. Imports its modules only
when used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from connections.mail_provider import MailConnectionProvider
from connections.providers.exchange.models import ExchangeSettings
from syncengine.provider import CheckStep, MailboxDirectory
from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser


class ExchangeProvider(MailConnectionProvider):
    key: ClassVar[str] = "exchange"
    label: ClassVar[str] = "Exchange (service account)"
    setup_url: ClassVar[str] = "setup:outlook"

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        from connections.providers.exchange.stores import build_store

        return build_store(sync_user, kind)

    def run_checks(self, email: str | None) -> list[CheckStep]:
        from connections.providers.exchange.checks import run_checks

        return run_checks(email)

    def maintain_push(self) -> dict[str, int]:
        """EWS pull subscriptions: one per linked user, made again when its kinds changed."""
        from connections.providers.exchange.pull import maintain

        return maintain()

    def events_due(self) -> list[int]:
        """The pull subscriptions due a GetEvents (the "check mailbox events" task)."""
        from connections.providers.exchange.pull import due

        return due()

    def check_events(self, subscription_ids: list[int]) -> set[int]:
        """The sync users whose mailbox changed, among these subscriptions (pull.py)."""
        from connections.providers.exchange.pull import check

        return check(subscription_ids)

    def claimed_domains(self) -> frozenset[str]:
        settings = ExchangeSettings.load()
        account = {settings.account_domain} if settings.account_domain else set()
        return frozenset(settings.mail.domains) | account

    def mailbox_directory(self, known_good: Iterable[str] = ()) -> MailboxDirectory | None:
        from connections.models import MailConnection
        from connections.providers.exchange.directory import for_connection

        return for_connection(MailConnection.load("exchange"))
