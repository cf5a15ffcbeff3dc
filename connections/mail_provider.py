"""What the mail providers share: their settings row in `MailConnection` (one per method).

Not a provider itself: each provider folder subclasses `MailConnectionProvider`, so no provider
imports another.
"""

from __future__ import annotations

from typing import ClassVar

from connections.models import MailConnection
from syncengine.provider import ProviderSide, domain_of
from syncengine.stores.base import Kind


def normalize_domains(values: object) -> frozenset[str]:
    if not isinstance(values, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(str(v).strip().lower().lstrip("@") for v in values if str(v).strip())


class MailConnectionProvider:
    """A mail provider whose settings are the `MailConnection` row of its `key`."""

    key: ClassVar[str]
    label: ClassVar[str]
    side: ClassVar[ProviderSide] = "mail"
    kinds: ClassVar[frozenset[Kind]] = frozenset({"contacts", "events"})
    setup_url: ClassVar[str]
    settings_model: ClassVar[str] = "connections.MailConnection"
    testable: ClassVar[bool] = True

    def connection(self) -> MailConnection:
        return MailConnection.load(self.key)

    def connection_id(self) -> int | None:
        return MailConnection.objects.filter(method=self.key).values_list("pk", flat=True).first()

    def is_active(self) -> bool:
        return MailConnection.active().filter(method=self.key).exists()

    def claimed_domains(self) -> frozenset[str]:
        return self.domains_of(self.connection())

    def domains_of(self, connection: MailConnection) -> frozenset[str]:
        """The domains a settings row claims: by default its listed domains."""
        return normalize_domains(connection.additional_domains)


def account_domain(username: str) -> frozenset[str]:
    return frozenset({domain_of(username)}) if "@" in username else frozenset()
