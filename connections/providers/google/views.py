"""The Google Integration and Sync setup page."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connections import audit
from connections.models import MailConnection, Status
from connections.permissions import manage_sync_required
from connections.providers.google.forms import GoogleForm
from connections.views import snapshot

GOOGLE_FIELDS = ["enabled", "sync_kinds", "service_account_key", "additional_domains"]


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
                conn.additional_domains = data["domains"]
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
            initial={
                "enabled": conn.enabled,
                "sync_kinds": conn.sync_kinds,
                "domains": ", ".join(conn.additional_domains or []),
            },
            has_key=has_key,
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
