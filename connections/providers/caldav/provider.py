"""The CalDAV/CardDAV provider, as listed in LSYNC_PROVIDERS.

Enrollment links users by the domains the setup page claims; each user's collections are found
from the principal URL template. Imports its modules only when used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from connections.mail_provider import MailConnectionProvider
from connections.providers.caldav.models import CalDavSettings
from syncengine.provider import CheckStep, MailboxDirectory
from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser


class CalDavProvider(MailConnectionProvider):
    key: ClassVar[str] = "caldav"
    label: ClassVar[str] = "CalDAV / CardDAV"
    setup_url: ClassVar[str] = "setup:caldav"

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        from connections.providers.caldav.stores import build_store

        return build_store(sync_user, kind)

    def run_checks(self, email: str | None) -> list[CheckStep]:
        from connections.providers.caldav.checks import run_checks

        return run_checks(email)

    def claimed_domains(self) -> frozenset[str]:
        return frozenset(CalDavSettings.load().mail.domains)

    def mailbox_directory(self, known_good: Iterable[str] = ()) -> MailboxDirectory | None:
        from connections.providers.caldav.directory import DavMailboxes

        settings = CalDavSettings.load()
        return DavMailboxes(settings) if settings.complete else None
