"""Setup home, Salesforce and Google pages. The Outlook page is in views_outlook.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connections import audit, switching
from connections.forms import GoogleForm, SalesforceForm
from connections.models import MailConnection, SalesforceConnection, Status
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
    return render(request, "connections/index.html", {"rows": rows, "waiting": switching.waiting()})


SALESFORCE_FIELDS = ["login_url", "consumer_key", "private_key", "api_version"]


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
                if data["private_key"]:
                    conn.private_key, conn.private_key_fingerprint = data["private_key"]
                changed = audit.changed_fields(before, snapshot(conn, SALESFORCE_FIELDS))
                if changed or conn.status == Status.NOT_CONFIGURED:
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
            },
            has_key=conn.has_private_key,
        )
    return render(request, "connections/salesforce.html", {"form": form, "conn": conn})


GOOGLE_FIELDS = ["enabled", "sync_kinds", "service_account_key"]


@manage_sync_required
def google(request: HttpRequest) -> HttpResponse:
    conn = MailConnection.load(MailConnection.Method.GOOGLE)
    has_key = bool(conn.service_account_key)
    if request.method == "POST":
        form = GoogleForm(request.POST, request.FILES, has_key=has_key)
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                before = snapshot(conn, GOOGLE_FIELDS)
                conn.enabled = data["enabled"]
                conn.sync_kinds = data["sync_kinds"]
                key = data["key_file"]
                if key:
                    conn.service_account_key = key.text
                    conn.client_email = key.client_email
                    conn.private_key_id = key.private_key_id
                    conn.status, conn.status_message, conn.verified_at = Status.SAVED, "", None
                conn.save()
                audit.record(
                    request, "google", audit.changed_fields(before, snapshot(conn, GOOGLE_FIELDS))
                )
            messages.success(request, "Google settings saved.")
            return redirect("setup:google")
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    else:
        form = GoogleForm(
            initial={"enabled": conn.enabled, "sync_kinds": conn.sync_kinds}, has_key=has_key
        )
    return render(
        request, "connections/google.html", {"form": form, "conn": conn, "has_key": has_key}
    )


@manage_sync_required
@require_POST
def google_remove(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        conn = MailConnection.load(MailConnection.Method.GOOGLE)
        conn.service_account_key = ""
        conn.client_email = ""
        conn.private_key_id = ""
        conn.enabled = False
        conn.status, conn.status_message, conn.verified_at = Status.NOT_CONFIGURED, "", None
        conn.save()
        audit.record(request, "google", ["service_account_key", "enabled"], action="remove")
    messages.success(request, "The service account key was removed and Google sync turned off.")
    return redirect("setup:google")
