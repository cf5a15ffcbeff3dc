"""The setup home. Each provider's setup page is in its folder's views.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connections.models import MailConnection, SalesforceConnection
from connections.permissions import manage_sync_required


def snapshot(obj: Any, names: list[str]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in names}


@manage_sync_required
def index(request: HttpRequest) -> HttpResponse:
    outlook_method = MailConnection.outlook_choice()
    outlook = MailConnection.load(outlook_method)
    google = MailConnection.load(MailConnection.Method.GOOGLE)
    rows = [
        {
            "name": "Salesforce",
            "url": "setup:salesforce",
            "detail": "Connected app (JWT bearer flow)",
            "conn": SalesforceConnection.load(),
            "enabled": None,
        },
        {
            "name": "Outlook Integration and Sync",
            "url": "setup:outlook",
            "detail": outlook.get_method_display(),
            "conn": outlook,
            "enabled": outlook.enabled,
        },
        {
            "name": "Google Integration and Sync",
            "url": "setup:google",
            "detail": "Service account with domain-wide delegation",
            "conn": google,
            "enabled": google.enabled,
        },
    ]
    return render(request, "connections/index.html", {"rows": rows})
