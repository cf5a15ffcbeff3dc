"""Hooks that check a connection against its provider before it is stored.

They are plain functions so that tests can patch them and the connector code can replace
their bodies without touching the setup views.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

NO_CLIENT_ID = (
    "lsync cannot check the consent because LSYNC_MICROSOFT_CLIENT_ID is not set. Set it to "
    "your app registration's application (client) id, plus LSYNC_MICROSOFT_CLIENT_SECRET or "
    "LSYNC_MICROSOFT_CERT_PATH, restart lsync, then log in to Microsoft 365 again."
)


def verify_microsoft_tenant(tenant_id: str) -> str | None:
    """Return a plain-language error message, or None if the tenant can be used.

    Gets an app-only token for ``tenant_id``: the tenant in a consent redirect can be forged, a
    token proves the admin consent really happened. Without an app registration (no client id)
    there is nothing to prove it with, so the tenant is refused rather than stored unproven.
    """
    from django.conf import settings

    from connections.providers.microsoft.checks import explain_token_error
    from connections.providers.microsoft.client import GraphClient, TokenError

    if not settings.LSYNC_MICROSOFT_CLIENT_ID:
        logger.warning("Microsoft 365 tenant refused: LSYNC_MICROSOFT_CLIENT_ID is not set")
        return NO_CLIENT_ID
    try:
        GraphClient(tenant_id).token(fresh=True)
    except TokenError as error:
        return explain_token_error(error, tenant_id)
    return None
