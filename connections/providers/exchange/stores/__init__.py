"""The Exchange mailbox stores (contacts, events) over EWS, and `build_store`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connections.providers.exchange.client import EwsConfig, ExchangeClient
from connections.providers.exchange.errors import store_error
from connections.providers.exchange.stores.contacts import ExchangeContactStore
from connections.providers.exchange.stores.events import ExchangeEventStore
from syncengine.policy import event_window
from syncengine.provider import linked_mailbox
from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

__all__ = ["ExchangeContactStore", "ExchangeEventStore", "build_store", "event_window"]


def build_store(sync_user: SyncUser, kind: Kind) -> Store:
    from connections.models import MailConnection

    connection = MailConnection.load(MailConnection.Method.EXCHANGE)
    if not (connection.username and connection.password):
        raise AuthFailed(
            "Exchange is not connected: enter the service account's user name and password on "
            "the Outlook setup page."
        )
    try:
        client = ExchangeClient(EwsConfig.from_connection(connection))
    except ValueError as exc:
        raise store_error(exc) from exc
    mailbox = linked_mailbox(sync_user)
    config = sync_user.configuration
    invitations = bool(config.events_send_invitations) if config else False
    if kind == "contacts":
        return ExchangeContactStore(client, mailbox)
    start, end = event_window(
        config.events_days_past if config else 30, config.events_days_future if config else 365
    )
    category = config.selection_category() if config else None
    return ExchangeEventStore(
        client, mailbox, start, end, invitations=invitations, category=category
    )
