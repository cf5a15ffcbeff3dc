"""Provider stores: the sync half of each provider (convert.py, adapters.py).

The connection half (client.py, Test Connection checks, setup forms) lives in
connections/providers/<key>/. The two are split so that imports point one way only: these
modules need syncengine.records and the store interface, and use the connections' clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

# Mail connection method -> the function that builds that provider's mailbox store.
MAILBOX_STORES: dict[str, str] = {
    "microsoft365": "syncengine.providers.microsoft.adapters.build_store",
    "google": "syncengine.providers.google.adapters.build_store",
}
SALESFORCE_STORE = "syncengine.providers.salesforce.adapters.build_store"


class NoMailConnection(AuthFailed):
    """The user's mail connection cannot be synced through; an admin must act (permanent)."""


class NotLinked(AuthFailed):
    """The user has no linked mailbox: a store never guesses one from the e-mail address."""


def linked_mailbox(sync_user: SyncUser) -> str:
    if not sync_user.mailbox_address:
        raise NotLinked(
            f"{sync_user.email or sync_user.username} is not linked to a mailbox; lsync never "
            "guesses one from the e-mail address. See the user's link status."
        )
    return sync_user.mailbox_address.lower()


def active_mail_method() -> str:
    """The one connection in use with a store, for users linked before lsync recorded theirs."""
    from connections.models import MailConnection

    methods = [c.method for c in MailConnection.active() if c.method in MAILBOX_STORES]
    if len(methods) == 1:
        return str(methods[0])
    if methods:
        raise NoMailConnection(
            "Several mail connections are in use and this user's is not recorded: the next "
            "enrollment run links it through the right one."
        )
    raise NoMailConnection(
        "No Microsoft 365 or Google connection is enabled. Open Setup and connect one."
    )


def mail_method(sync_user: SyncUser) -> str:
    connection = sync_user.mail_connection
    if connection is None:
        return active_mail_method()
    if connection.method not in MAILBOX_STORES:
        raise NoMailConnection(
            f"{connection} cannot sync yet in this version of lsync: its mailbox store is not "
            "available. Choose another method in Setup, or wait for the release that adds it."
        )
    return str(connection.method)


def build_stores(sync_user: SyncUser, kind: Kind) -> tuple[Store, Store]:
    mailbox = import_string(MAILBOX_STORES[mail_method(sync_user)])(sync_user, kind)
    salesforce = import_string(SALESFORCE_STORE)(sync_user, kind)
    return salesforce, mailbox
