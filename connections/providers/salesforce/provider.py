"""The Salesforce provider, as listed in LSYNC_PROVIDERS. Imports its modules only when used."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from syncengine.provider import CheckStep, Directory, ProviderSide
from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.feed import FeedReader
    from syncengine.models import SyncUser
    from syncengine.unresolved import Directory as RecordDirectory


class SalesforceProvider:
    key: ClassVar[str] = "salesforce"
    label: ClassVar[str] = "Salesforce"
    side: ClassVar[ProviderSide] = "salesforce"
    kinds: ClassVar[frozenset[Kind]] = frozenset({"contacts", "events"})
    setup_url: ClassVar[str] = "setup:salesforce"
    settings_model: ClassVar[str] = "connections.SalesforceConnection"
    testable: ClassVar[bool] = True

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        from connections.providers.salesforce.stores import build_store

        return build_store(sync_user, kind)

    def run_checks(self, email: str | None) -> list[CheckStep]:
        from connections.providers.salesforce.checks import run_checks

        return run_checks(email)

    def user_directory(self) -> Directory:
        from connections.providers.salesforce.directory import get_directory

        return get_directory()

    def record_directory(self, sync_user: SyncUser) -> RecordDirectory:
        from connections.providers.salesforce.directory import RecordDirectory
        from connections.providers.salesforce.stores import build_client

        return RecordDirectory(build_client(sync_user.username))

    def change_feed(self, kind: Kind) -> FeedReader | None:
        """The org's change feed of `kind`, read as the integration user (None: none named)."""
        from connections.providers.salesforce.feed import build_feed

        return build_feed(kind)

    def api_budget_percent(self) -> int:
        """The share of the org's daily API allocation lsync keeps under (Salesforce page)."""
        from connections.models import SalesforceConnection

        return int(SalesforceConnection.load().api_budget_percent)

    def is_configured(self) -> bool:
        from connections.providers.salesforce.directory import salesforce_connected

        return salesforce_connected()
