"""The Salesforce setup page."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from connections import audit
from connections.models import SalesforceConnection, Status
from connections.permissions import manage_sync_required
from connections.providers.salesforce.forms import SalesforceForm
from connections.views import snapshot

SALESFORCE_FIELDS = [
    "login_url",
    "consumer_key",
    "private_key",
    "api_version",
    "api_budget_percent",
]


@manage_sync_required
def salesforce(request: HttpRequest) -> HttpResponse:
    conn = SalesforceConnection.load()
    if request.method == "POST":
        form = SalesforceForm(request.POST, request.FILES, has_key=conn.has_private_key)
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                before = snapshot(conn, SALESFORCE_FIELDS)
                conn.login_url = data["login_url"]
                conn.consumer_key = data["consumer_key"]
                conn.api_version = data["api_version"]
                conn.api_budget_percent = data["api_budget_percent"]
                if data["private_key"]:
                    conn.private_key, conn.private_key_fingerprint = data["private_key"]
                changed = audit.changed_fields(before, snapshot(conn, SALESFORCE_FIELDS))
                # The budget is no part of the connection: changing it needs no new test.
                reconnect = [name for name in changed if name != "api_budget_percent"]
                if reconnect or conn.status == Status.NOT_CONFIGURED:
                    conn.status, conn.status_message, conn.verified_at = Status.SAVED, "", None
                conn.save()
                audit.record(request, "salesforce", changed)
            messages.success(request, "Salesforce settings saved." if changed else "No changes.")
            return redirect("setup:salesforce")
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    else:
        form = SalesforceForm(
            initial={
                "login_url": conn.login_url,
                "consumer_key": conn.consumer_key,
                "api_version": conn.api_version,
                "api_budget_percent": conn.api_budget_percent,
            },
            has_key=conn.has_private_key,
        )
    return render(request, "connections/salesforce.html", {"form": form, "conn": conn})
