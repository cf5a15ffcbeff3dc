"""Whether a user may be synced now, and why not: the one rule every path that syncs obeys (the
dispatcher, the task, the Sync now button, the `sync_now` command and the preview).

A user syncs only through the mailbox enrollment linked, through the connection it was linked
by, and only the kinds that connection lets users sync. Nothing is guessed: a user whose link
failed (two Salesforce users sharing one e-mail, no mailbox, a domain no connection covers) is
refused with the link's own explanation."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from syncengine import registry
from syncengine.models import LinkStatus, SyncUser
from syncengine.stores.base import Kind

RELINK = (
    "lsync links it again through the connection now in use at the next enrollment run "
    "(every 15 minutes); its synced items and links are kept."
)


def not_linked(user: SyncUser) -> str | None:
    """Why the user has no mailbox to sync with, or None when it has one."""
    if user.link_status != LinkStatus.LINKED:
        reason = user.link_error or "enrollment has not linked it to a mailbox yet"
        return f"Not synced: {user.email or user.username} is not linked to a mailbox. {reason}"
    if not user.mailbox_address:
        return (
            f"Not synced: {user.email or user.username} is marked linked but has no mailbox "
            "address; the next enrollment run links it again."
        )
    connection = user.mail_connection
    provider = registry.mail_provider(str(connection.method)) if connection is not None else None
    if connection is not None and (
        provider is None or not provider.is_active() or provider.connection_id() != connection.pk
    ):
        return (
            f"Not synced: {user.mailbox_address} was linked through {connection}, which is no "
            f"longer in use (turned off, switched or not configured). {RELINK}"
        )
    return None


def kind_refused(user: SyncUser, kind: Kind) -> str | None:
    """Why `kind` is not synced for this user by its mail connection, or None."""
    connection = user.mail_connection
    if connection is None or connection.sync_kinds in ("both", kind):
        return None
    return (
        f"{kind.title()} are not synced: {connection} is set to "
        f"'{connection.get_sync_kinds_display()}' in Setup."
    )


def refusal(user: SyncUser, kind: Kind) -> str | None:
    return not_linked(user) or kind_refused(user, kind)


def throttled(user: SyncUser, now: datetime | None = None) -> str | None:
    """Why no request may go out for this user now (a provider's Retry-After), or None."""
    until = user.throttled_until
    if until is None or until <= (now or timezone.now()):
        return None
    return (
        f"The provider asked lsync to wait before syncing {user.email or user.username} again "
        f"(Retry-After); the next sync runs after {until:%H:%M:%S} UTC."
    )
