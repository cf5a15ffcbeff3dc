"""Microsoft 365 admin consent: the Log in, callback and disconnect buttons of the Outlook
Integration and Sync page (the page itself, shared with Exchange, is connections/outlook.py)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from connections import audit, switching, verify
from connections.models import MailConnection, Status
from connections.permissions import manage_sync_required

STATE_KEY = "lsync_m365_consent_state"
_TENANT = re.compile(
    r"^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9.-]{3,253})$"
)


def _redirect_uri(request: HttpRequest) -> str:
    path = reverse("setup:outlook_consent")
    base = settings.LSYNC_PUBLIC_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@manage_sync_required
@require_POST
def consent_start(request: HttpRequest) -> HttpResponse:
    client_id = settings.LSYNC_MICROSOFT_CLIENT_ID
    if not client_id:
        messages.error(
            request,
            "OAuth 2.0 needs the app registration's client id: set LSYNC_MICROSOFT_CLIENT_ID "
            "(and LSYNC_MICROSOFT_CLIENT_SECRET or LSYNC_MICROSOFT_CERT_PATH), then restart.",
        )
        return redirect("setup:outlook")
    state = secrets.token_urlsafe(32)
    request.session[STATE_KEY] = state
    query = urlencode(
        {
            "client_id": client_id,
            "scope": "https://graph.microsoft.com/.default",
            "redirect_uri": _redirect_uri(request),
            "state": state,
        }
    )
    login = settings.LSYNC_MICROSOFT_LOGIN_URL.rstrip("/")
    return redirect(f"{login}/organizations/v2.0/adminconsent?{query}")


def plain_error(description: str) -> str:
    """Microsoft's first line, with its AADSTS code moved to the end."""
    first = description.strip().splitlines()[0] if description.strip() else ""
    match = re.match(r"^(AADSTS\d+):\s*(.*)$", first)
    text = f"{match.group(2)} (Microsoft code {match.group(1)})" if match else first
    return text[:300] or "Microsoft gave no reason."


@manage_sync_required
@require_GET
def consent_callback(request: HttpRequest) -> HttpResponse:
    expected = request.session.pop(STATE_KEY, None)
    given = request.GET.get("state", "")
    if not expected or not given or not secrets.compare_digest(str(expected), given):
        messages.error(
            request,
            "The answer from Microsoft 365 does not belong to a login started on this page "
            "(its state does not match), so nothing was saved. Click Log in to Microsoft 365 "
            "again.",
        )
        return redirect("setup:outlook")
    error = request.GET.get("error", "")
    if error == "access_denied":
        messages.warning(
            request,
            "Consent was cancelled in Microsoft 365, so nothing was saved. To connect, click "
            "Log in to Microsoft 365 and accept the permissions as a Global Administrator.",
        )
        return redirect("setup:outlook")
    if error:
        reason = plain_error(request.GET.get("error_description", ""))
        messages.error(request, f"Microsoft 365 did not grant consent: {reason} Nothing was saved.")
        return redirect("setup:outlook")
    tenant = request.GET.get("tenant", "").strip()
    if not _TENANT.match(tenant):
        messages.error(
            request,
            "Microsoft 365 did not send a tenant id back, so nothing was saved. Try Log in to "
            "Microsoft 365 again.",
        )
        return redirect("setup:outlook")
    problem = verify.verify_microsoft_tenant(tenant)
    if problem:
        messages.error(request, f"The tenant could not be used: {problem} Nothing was saved.")
        return redirect("setup:outlook")
    with transaction.atomic():
        m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
        exchange = MailConnection.load(MailConnection.Method.EXCHANGE)
        before_method = MailConnection.outlook_choice()
        was_chosen_enabled = MailConnection.load(before_method).enabled
        # In hybrid mode Microsoft 365 is on already, next to Exchange: consent only adds the
        # tenant, and Exchange's users keep syncing.
        hybrid = MailConnection.outlook_hybrid()
        m365.tenant_id = tenant
        m365.consented_at = timezone.now()
        m365.status, m365.status_message, m365.verified_at = Status.SAVED, "", None
        if not hybrid:
            m365.chosen, exchange.chosen = True, False
            m365.enabled, exchange.enabled = was_chosen_enabled, False
        m365.save()
        exchange.save()
        changed = ["tenant_id"] if hybrid else ["tenant_id", "method"]
        audit.record(request, "outlook", changed, action="consent")
        count = 0
        if before_method != m365.method and not hybrid:
            count = switching.linked_through(before_method)
            switching.unlink_after_switch(before_method, m365.method)
    messages.success(request, "Microsoft 365 consent recorded; the tenant id is stored encrypted.")
    if count:
        messages.warning(
            request, switching.consequence(before_method, m365.method, count, done=True)
        )
    return redirect("setup:outlook")


@manage_sync_required
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
        m365.tenant_id = ""
        m365.consented_at = None
        m365.status, m365.status_message, m365.verified_at = Status.NOT_CONFIGURED, "", None
        m365.save()
        audit.record(request, "outlook", ["tenant_id"], action="disconnect")
    messages.success(request, "Microsoft 365 disconnected; the stored tenant id was removed.")
    return redirect("setup:outlook")
