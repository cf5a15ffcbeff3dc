"""The Microsoft 365 provider, as listed in LSYNC_PROVIDERS. Imports its modules only when used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from connections.mail_provider import MailConnectionProvider
from connections.providers.microsoft.models import Microsoft365Settings
from syncengine.provider import CheckStep, MailboxDirectory
from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser


class Microsoft365Provider(MailConnectionProvider):
    key: ClassVar[str] = "microsoft365"
    label: ClassVar[str] = "Microsoft 365"
    setup_url: ClassVar[str] = "setup:outlook"

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        from connections.providers.microsoft.stores import build_store

        return build_store(sync_user, kind)

    def run_checks(self, email: str | None) -> list[CheckStep]:
        from connections.providers.microsoft.checks import run_checks

        return run_checks(email)

    def mailbox_directory(self, known_good: Iterable[str] = ()) -> MailboxDirectory | None:
        from connections.providers.microsoft.directory import GraphMailboxes

        settings = Microsoft365Settings.load()
        tenant = settings.tenant_id
        return GraphMailboxes(tenant, list(settings.mail.domains)) if tenant else None

    def maintain_push(self) -> dict[str, int]:
        """Graph change notifications: subscribe, renew, recreate (push.py)."""
        from connections.providers.microsoft.push import maintain

        return maintain()

    def claimed_domains(self) -> frozenset[str]:
        return frozenset(Microsoft365Settings.load().mail.domains)
