"""Builds the (Salesforce store, mailbox store) pair for one sync user and kind.

The backend is chosen by the LSYNC_STORE_BACKEND setting among BACKENDS, dotted paths imported
only when used, so that the engine never imports a provider it is not configured for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from syncengine.stores.base import Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

StorePair = tuple[Store, Store]
Builder = Callable[["SyncUser", Kind], StorePair]

BACKENDS: dict[str, str] = {
    "memory": "syncengine.memory_backend.build_stores",
    "providers": "syncengine.providers.build_stores",
}
DEFAULT_BACKEND = "providers"


def backend_name() -> str:
    return str(getattr(settings, "LSYNC_STORE_BACKEND", DEFAULT_BACKEND))


def build_stores(sync_user: SyncUser, kind: Kind) -> StorePair:
    name = backend_name()
    if name not in BACKENDS:
        raise ImproperlyConfigured(
            f"LSYNC_STORE_BACKEND={name!r} is not one of: {', '.join(sorted(BACKENDS))}"
        )
    builder: Builder = import_string(BACKENDS[name])
    return builder(sync_user, kind)
