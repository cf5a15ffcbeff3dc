"""The Google Workspace provider, as listed in LSYNC_PROVIDERS. Imports its modules only when
used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from connections.mail_provider import MailConnectionProvider
from connections.providers.google.models import GoogleSettings
from syncengine.provider import CheckStep, MailboxDirectory
from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser


class GoogleProvider(MailConnectionProvider):
    key: ClassVar[str] = "google"
    label: ClassVar[str] = "Google Workspace"
    setup_url: ClassVar[str] = "setup:google"

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        from connections.providers.google.stores import build_store

        return build_store(sync_user, kind)

    def run_checks(self, email: str | None) -> list[CheckStep]:
        from connections.providers.google.checks import run_checks

        return run_checks(email)

    def mailbox_directory(self, known_good: Iterable[str] = ()) -> MailboxDirectory | None:
        from connections.providers.google.client import key_info_from_text
        from connections.providers.google.directory import GoogleMailboxes

        settings = GoogleSettings.load()
        if not settings.service_account_key:
            return None
        try:
            info = key_info_from_text(settings.service_account_key)
        except ValueError:
            return None
        return GoogleMailboxes(info, list(settings.mail.domains), known_good=list(known_good))

    def maintain_push(self) -> dict[str, int]:
        """Calendar watch channels: watch, replace before expiry, stop for users who left
        (push.py). People has no push: contacts are polled."""
        from connections.providers.google.push import maintain

        return maintain()

    def claimed_domains(self) -> frozenset[str]:
        return frozenset(GoogleSettings.load().mail.domains)
