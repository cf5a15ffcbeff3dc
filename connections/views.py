"""The setup home. Each provider's setup page is in its folder's views.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connections import switching
from connections.models import MailConnection, SalesforceConnection
from connections.permissions import manage_sync_required
from syncengine import registry


def snapshot(obj: Any, names: list[str]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in names}


@manage_sync_required
def index(request: HttpRequest) -> HttpResponse:
    rows: list[dict[str, object]] = [
        {
            "name": "Salesforce",
            "url": "setup:salesforce",
            "detail": "Connected app (JWT bearer flow)",
            "conn": SalesforceConnection.load(),
            "enabled": None,
            "domains": None,
        }
    ]
    # Every registered mail provider, each with the e-mail domains it claims: users are linked
    # to the connection that claims their domain.
    for provider in registry.mail_providers():
        conn = MailConnection.load(provider.key)
        rows.append(
            {
                "name": provider.label,
                "url": provider.setup_url,
                "detail": conn.get_method_display(),
                "conn": conn,
                "enabled": provider.is_active(),
                "domains": sorted(provider.claimed_domains()),
            }
        )
    return render(request, "connections/index.html", {"rows": rows, "waiting": switching.waiting()})
