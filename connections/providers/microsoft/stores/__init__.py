"""The Microsoft 365 mailbox stores (contacts, events) over Microsoft Graph, and `build_store`.

`GraphError`s from the client become the engine's store errors here (`store_error`): throttling ->
RateLimited, 401/403 -> AuthFailed, 404 -> NotFound, 412 -> VersionMismatch, an expired delta
token (410, syncStateNotFound...) -> CursorExpired, other 4xx -> Rejected, 5xx and network errors
-> a ProviderError a retry can fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.errors import store_error
from connections.providers.microsoft.stores.contacts import GraphContactStore
from connections.providers.microsoft.stores.events import GraphEventStore
from syncengine.policy import event_window
from syncengine.provider import linked_mailbox
from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

__all__ = ["GraphContactStore", "GraphEventStore", "build_store", "event_window", "store_error"]


def build_store(sync_user: SyncUser, kind: Kind) -> Store:
    from connections.models import MailConnection

    connection = MailConnection.load(MailConnection.Method.MICROSOFT365)
    tenant = (connection.tenant_id or "").strip()
    if not tenant:
        raise AuthFailed(
            "Microsoft 365 is not connected: press 'Log in to Microsoft 365' on the Outlook setup "
            "page as a Global Administrator."
        )
    client = GraphClient(tenant)
    mailbox = linked_mailbox(sync_user)
    if kind == "contacts":
        return GraphContactStore(client, mailbox)
    config = sync_user.configuration
    start, end = event_window(
        config.events_days_past if config else 30, config.events_days_future if config else 365
    )
    invitations = bool(config.events_send_invitations) if config else False
    category = config.selection_category() if config else None
    return GraphEventStore(client, mailbox, start, end, invitations=invitations, category=category)
