"""The Google Workspace mailbox stores (contacts, events) and `build_store`.

One org-level credential (the service account key on the Google mail connection) and per-user
impersonation: every store's client has ``subject`` = the user's mailbox address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connections.providers.google.client import GoogleClient, stored_key_info
from connections.providers.google.errors import store_error
from connections.providers.google.stores.contacts import GoogleContactsStore
from connections.providers.google.stores.events import GoogleEventsStore
from syncengine.policy import event_window
from syncengine.provider import linked_mailbox
from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

__all__ = ["GoogleContactsStore", "GoogleEventsStore", "build_store", "event_window", "store_error"]


def build_store(sync_user: SyncUser, kind: Kind) -> Store:
    try:
        info = stored_key_info()
    except ValueError as exc:
        raise AuthFailed(
            "The stored Google service account key is not valid JSON: upload the key again."
        ) from exc
    if not info:
        raise AuthFailed(
            "Google Workspace is not connected: upload the service account's JSON key on the "
            "Google setup page."
        )
    mailbox = linked_mailbox(sync_user)
    try:
        client = GoogleClient(info, mailbox)
    except (KeyError, ValueError) as exc:
        raise AuthFailed(
            "The stored Google service account key cannot be used (it is not a complete service "
            "account key): upload the JSON key again."
        ) from exc
    if kind == "contacts":
        return GoogleContactsStore(client)
    config = sync_user.configuration
    window = event_window(
        config.events_days_past if config else 30, config.events_days_future if config else 365
    )
    invitations = bool(config.events_send_invitations) if config else False
    color = config.selection_color() if config else None
    return GoogleEventsStore(
        client, mailbox, window=window, send_invitations=invitations, color=color
    )
