"""Salesforce stores for the engine: `build_store(sync_user, kind)`.

Every store logs in as the syncing user (JWT bearer, `sub` = the user's Salesforce username),
so each write is that user's own and Salesforce's sharing decides what they can see.

What the run can pick up from a store after `run_sync` (the service reads them with getattr):

- `store.limit_info`: the last ``Sforce-Limit-Info`` header (``api-usage=25/15000``), for the
  SyncRun;
- `store.unresolved`: ``[(item id or create ref, message)]``: companies that match no Account by
  exact name (the contact is created without an Account, and an update leaves the existing Account
  link alone; `canonical` drops the company so the next read is not seen as a change) and
  attendees that are no Salesforce contact, lead or user (left out of the event's invitees).
  The service can record each as an open SyncIssue ("unresolved item", as Lightning Sync's
  Unresolved Items page does); once the admin creates the Account or fixes the name, the next
  write of that contact links it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from connections.models import SalesforceConnection
from connections.providers.salesforce.client import SalesforceClient
from connections.providers.salesforce.stores.base import SalesforceStore
from connections.providers.salesforce.stores.contacts import ContactStore
from connections.providers.salesforce.stores.events import EventStore
from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

__all__ = ["ContactStore", "EventStore", "SalesforceStore", "build_client", "build_store"]


def build_client(username: str) -> SalesforceClient:
    connection = SalesforceConnection.load()
    if not connection.consumer_key or not connection.private_key:
        raise AuthFailed(
            "Salesforce is not connected: enter the connected app's consumer key and private key "
            "in Setup > Salesforce."
        )
    return SalesforceClient(
        connection.login_url,
        connection.consumer_key,
        connection.private_key,
        username,
        connection.api_version,
    )


def build_store(sync_user: SyncUser, kind: Kind) -> Store:
    client = build_client(sync_user.username)
    config = sync_user.configuration
    if kind == "contacts":
        return ContactStore(
            client,
            sync_user.salesforce_user_id,
            mine=config is None or config.contacts_ownership == "mine",
            soql_filter=config.contacts_soql_filter if config else "",
            second_email=settings.LSYNC_SALESFORCE_SECOND_EMAIL_FIELD or None,
        )
    return EventStore(
        client,
        sync_user.salesforce_user_id,
        days_past=config.events_days_past if config else 30,
        days_future=config.events_days_future if config else 365,
        auto_relate=bool(config.events_auto_relate) if config else False,
    )
