"""Provider stores: the sync half of each provider (convert.py, adapters.py).

The connection half (client.py, Test Connection checks, setup forms) lives in
connections/providers/<key>/. The two are split so that imports point one way only: these
modules need syncengine.records and the store interface, and use the connections' clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

# Mail connection method -> the function that builds that provider's mailbox store.
MAILBOX_STORES: dict[str, str] = {
    "microsoft365": "syncengine.providers.microsoft.adapters.build_store",
    "google": "syncengine.providers.google.adapters.build_store",
    "exchange": "connections.providers.exchange.stores.build_store",
}
SALESFORCE_STORE = "syncengine.providers.salesforce.adapters.build_store"


class NoMailConnection(Exception):
    """No usable mail connection is configured; an admin must set one up."""


def active_mail_method() -> str:
    from connections.models import MailConnection

    for connection in MailConnection.active():
        if connection.method in MAILBOX_STORES:
            return str(connection.method)
    raise NoMailConnection(
        "No Exchange, Microsoft 365 or Google connection is enabled. Open Setup and connect one."
    )


def build_stores(sync_user: SyncUser, kind: Kind) -> tuple[Store, Store]:
    salesforce = import_string(SALESFORCE_STORE)(sync_user, kind)
    mailbox = import_string(MAILBOX_STORES[active_mail_method()])(sync_user, kind)
    return salesforce, mailbox
