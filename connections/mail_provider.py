"""What the mail providers share: their settings row in `MailConnection` (one per method).

Not a provider itself: each provider folder subclasses `MailConnectionProvider`, so no provider
imports another.
"""

from __future__ import annotations

from typing import ClassVar

from connections.models import MailConnection
from syncengine.provider import ProviderSide
from syncengine.stores.base import Kind


class MailConnectionProvider:
    """A mail provider whose settings are the `MailConnection` row of its `key`."""

    key: ClassVar[str]
    label: ClassVar[str]
    side: ClassVar[ProviderSide] = "mail"
    kinds: ClassVar[frozenset[Kind]] = frozenset({"contacts", "events"})
    setup_url: ClassVar[str]
    settings_model: ClassVar[str] = "connections.MailConnection"
    testable: ClassVar[bool] = True

    def connection_id(self) -> int | None:
        return MailConnection.objects.filter(method=self.key).values_list("pk", flat=True).first()

    def is_active(self) -> bool:
        return MailConnection.active().filter(method=self.key).exists()
