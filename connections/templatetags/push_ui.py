"""The setup pages' sentence on how mailbox changes reach lsync: push when lsync has a public
https address the service can call, polling (and how often) when it has none; for Exchange
on-premises, its pull notifications (how often, how many mailboxes, why some fail)."""

from __future__ import annotations

from typing import Any

from django import template

from connections import push
from connections.providers.exchange import pull as exchange_pull

register = template.Library()

HOOKS = {"outlook": "/hooks/microsoft/", "google": "/hooks/google/"}


@register.inclusion_tag("connections/_push.html")
def push_notice(page: str) -> dict[str, Any]:
    url = push.webhook_url(HOOKS[page])
    base = push.public_base()
    return {
        "page": page,
        "url": url,
        "minutes": push.polling_minutes(),
        "why": "is not set" if not base else f"is {base}, not an https address",
        # Exchange on-premises asks for its events (EWS pull): no public address needed.
        "exchange": exchange_pull.summary() if page == "outlook" else None,
    }
