"""What the mail providers share: their settings row in `MailConnection` (one per method).

Not a provider itself: each provider folder subclasses `MailConnectionProvider`, so no provider
imports another.
"""

from __future__ import annotations

from typing import ClassVar

from django.apps import apps
from django.db.models import Q

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


def mailbox_for(email: str | None) -> str | None:
    """The address to test: the enrolled user's linked mailbox when `email` names one (by
    e-mail, Salesforce username or mailbox), else `email`; without it the first enrolled user."""
    # Read through the app registry: connections must not import the sync engine.
    users = apps.get_model("syncengine", "SyncUser").objects.all()
    if email:
        email = email.strip().lower()
        found = users.filter(
            Q(email__iexact=email) | Q(username__iexact=email) | Q(mailbox_address__iexact=email)
        ).first()
    else:
        found = users.filter(configuration__active=True).order_by("email").first()
    if found is not None:
        return str(found.mailbox_address or found.email).lower()
    return email or None
