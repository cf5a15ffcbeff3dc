"""The setup pages' sentence on how mailbox changes reach lsync: push when lsync has a public
https address the service can call, polling (and how often) when it has none."""

from __future__ import annotations

from typing import Any

from django import template

from connections import push

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
    }
