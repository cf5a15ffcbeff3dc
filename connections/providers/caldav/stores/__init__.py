"""The CalDAV/CardDAV mailbox stores (contacts, events) and `build_store`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connections.providers.caldav import discovery
from connections.providers.caldav.client import DavClient
from connections.providers.caldav.errors import translated
from connections.providers.caldav.models import CalDavSettings
from connections.providers.caldav.stores.contacts import DavContactStore
from connections.providers.caldav.stores.events import DavEventStore
from syncengine.policy import event_window
from syncengine.provider import linked_mailbox
from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

__all__ = ["DavContactStore", "DavEventStore", "build_store", "client_for", "event_window"]


def client_for(settings: CalDavSettings, address: str) -> DavClient:
    """A client signed in as whoever may reach `address`'s collections."""
    if not settings.complete:
        raise AuthFailed(
            "CalDAV is not connected: enter the server URL and the credentials on the CalDAV "
            "setup page."
        )
    credentials = settings.credentials_for(address)
    if credentials is None:
        raise AuthFailed(
            f"No app password is stored for {address}: add one on the CalDAV setup page."
        )
    return DavClient(settings.server_url, *credentials)


def build_store(sync_user: SyncUser, kind: Kind) -> Store:
    settings = CalDavSettings.load()
    mailbox = linked_mailbox(sync_user)
    client = client_for(settings, mailbox)
    config = sync_user.configuration
    with translated():
        principal = discovery.find_principal(client, settings.url_template, mailbox)
        homes = discovery.homes(client, principal)
        if kind == "contacts":
            return DavContactStore(client, discovery.address_book(client, homes.address_books))
        calendar = discovery.default_calendar(client, homes.calendars)
    start, end = event_window(
        config.events_days_past if config else 30, config.events_days_future if config else 365
    )
    invitations = bool(config.events_send_invitations) if config else False
    return DavEventStore(client, calendar, start, end, invitations=invitations)
