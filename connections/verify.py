"""Hooks that check a connection against its provider before it is stored.

They are plain functions so that tests can patch them and the connector code can replace
their bodies without touching the setup views.
"""

from __future__ import annotations


def verify_microsoft_tenant(tenant_id: str) -> str | None:
    """Return a plain-language error message, or None if the tenant can be used.

    The default accepts every tenant; it is replaced by the Graph client check, which gets
    an app-only token for ``tenant_id`` to prove the admin consent really happened.
    """
    return None
