"""The Exchange on-premises provider, as listed in LSYNC_PROVIDERS.

Enrollment links users by domain (the service account's and the additional domains); there is
no EWS store yet, so a sync of an Exchange user fails with a message that says so."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from connections.mail_provider import MailConnectionProvider
from connections.providers.exchange.models import ExchangeSettings
from syncengine.provider import CheckStep, MailboxDirectory
from syncengine.stores.base import Kind, ProviderError, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

NOT_YET = (
    "The Exchange sync store is not available yet: lsync links Exchange users by domain but "
    "cannot sync their mailboxes."
)


class ExchangeProvider(MailConnectionProvider):
    key: ClassVar[str] = "exchange"
    label: ClassVar[str] = "Exchange (service account)"
    setup_url: ClassVar[str] = "setup:outlook"
    testable: ClassVar[bool] = False

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        raise ProviderError(NOT_YET, permanent=True)

    def run_checks(self, email: str | None) -> list[CheckStep]:
        return [CheckStep("Exchange", False, NOT_YET)]

    def claimed_domains(self) -> frozenset[str]:
        settings = ExchangeSettings.load()
        account = {settings.account_domain} if settings.account_domain else set()
        return frozenset(settings.mail.domains) | account

    def mailbox_directory(self, known_good: Iterable[str] = ()) -> MailboxDirectory | None:
        from connections.providers.exchange.directory import ExchangeMailboxes

        settings = ExchangeSettings.load()
        return ExchangeMailboxes(settings.username, list(settings.mail.domains))
