"""Outlook Integration and Sync: Exchange service account or Microsoft 365 admin consent."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from connections import audit, switching, verify
from connections.models import MailConnection, Status
from connections.permissions import manage_sync_required
from connections.providers.microsoft.forms import OutlookForm
from connections.views import snapshot

STATE_KEY = "lsync_m365_consent_state"
# Settings of the service account itself; a change to any of them needs a new verification.
EXCHANGE_FIELDS = [
    "username",
    "password",
    "ews_url",
    "auth_basic",
    "auth_ntlm",
    "additional_domains",
]
TOGGLE_FIELDS = ["enabled", "sync_kinds"]
_TENANT = re.compile(
    r"^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9.-]{3,253})$"
)


def _initial(exchange: MailConnection, chosen: MailConnection) -> dict[str, object]:
    return {
        "enabled": chosen.enabled,
        "sync_kinds": chosen.sync_kinds,
        "method": chosen.method,
        "username": exchange.username,
        "ews_url": exchange.ews_url,
        "auth_basic": exchange.auth_basic,
        "auth_ntlm": exchange.auth_ntlm,
        "additional_domains": ", ".join(exchange.additional_domains or []),
        "m365_domains": ", ".join(MailConnection.load("microsoft365").additional_domains or []),
    }


def _save(request: HttpRequest, form: OutlookForm) -> tuple[str, str]:
    """Saves the page; returns the Outlook method before and after."""
    data = form.cleaned_data
    exchange = MailConnection.load(MailConnection.Method.EXCHANGE)
    m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
    before_method = MailConnection.outlook_choice()
    chosen = exchange if data["method"] == MailConnection.Method.EXCHANGE else m365
    before = snapshot(chosen, TOGGLE_FIELDS) | snapshot(exchange, EXCHANGE_FIELDS)

    exchange.username = data["username"]
    if data["clear_password"]:
        exchange.password = ""
    if data["password"]:
        exchange.password = data["password"]
    exchange.ews_url = data["ews_url"]
    exchange.auth_basic = data["auth_basic"]
    exchange.auth_ntlm = data["auth_ntlm"]
    exchange.additional_domains = data["additional_domains"]
    m365_domains_before = list(m365.additional_domains or [])
    m365.additional_domains = data["m365_domains"]
    for conn in (exchange, m365):
        conn.chosen = conn is chosen
        conn.enabled = data["enabled"] if conn is chosen else False
        conn.sync_kinds = data["sync_kinds"]

    after = snapshot(chosen, TOGGLE_FIELDS) | snapshot(exchange, EXCHANGE_FIELDS)
    changed = audit.changed_fields(before, after)
    if before_method != chosen.method:
        changed.append("method")
    if m365_domains_before != m365.additional_domains:
        changed.append("m365_domains")
    exchange_changed = set(changed) & set(EXCHANGE_FIELDS)
    if not (exchange.username and exchange.password):
        exchange.status, exchange.status_message = Status.NOT_CONFIGURED, ""
    elif exchange_changed or exchange.status == Status.NOT_CONFIGURED:
        exchange.status, exchange.status_message, exchange.verified_at = Status.SAVED, "", None
    exchange.save()
    m365.save()
    audit.record(request, "outlook", changed)
    return before_method, chosen.method


def _exchange_signs_in(form: OutlookForm, stored: MailConnection) -> bool:
    """Turning Exchange sync on with new settings: they must sign in before they are stored,
    so an unreachable host, an untrusted certificate or a wrong password is named on its field
    and nothing is saved (no sync starts with settings that cannot work)."""
    data = form.cleaned_data
    if data["method"] != MailConnection.Method.EXCHANGE or not data["enabled"]:
        return True
    problem = verify.verify_exchange(data, stored)
    if problem is None:
        return True
    form.add_error(problem[0], problem[1])
    return False


def _consent_context() -> dict[str, object]:
    return {
        "client_id_missing": not settings.LSYNC_MICROSOFT_CLIENT_ID,
        "m365": MailConnection.load(MailConnection.Method.MICROSOFT365),
    }


@manage_sync_required
@sensitive_post_parameters("password")
def outlook(request: HttpRequest) -> HttpResponse:
    exchange = MailConnection.load(MailConnection.Method.EXCHANGE)
    has_password = bool(exchange.password)
    if request.method == "POST":
        form = OutlookForm(request.POST, has_password=has_password)
        if form.is_valid() and _exchange_signs_in(form, stored=exchange):
            count = 0
            with transaction.atomic():
                old, new = _save(request, form)
                if old != new:
                    count = switching.linked_through(old)
                    switching.unlink_after_switch(old, new)
            messages.success(request, "Outlook Integration and Sync settings saved.")
            if count:
                messages.warning(request, switching.consequence(old, new, count, done=True))
            m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
            if m365.chosen and m365.enabled and not m365.tenant_id:
                messages.warning(
                    request,
                    "Sync stays off until a Global Administrator gives consent: click Log in to "
                    "Microsoft 365.",
                )
            return redirect("setup:outlook")
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    else:
        chosen = MailConnection.load(MailConnection.outlook_choice())
        form = OutlookForm(initial=_initial(exchange, chosen), has_password=has_password)
    current = MailConnection.outlook_choice()
    other = next(m for m in MailConnection.OUTLOOK_METHODS if m != current)
    linked = switching.linked_through(current)
    context = {
        "form": form,
        "exchange": exchange,
        "has_password": has_password,
        "switch_notice": switching.consequence(current, other, linked) if linked else "",
        "waiting": switching.waiting(),
    }
    return render(request, "connections/outlook.html", context | _consent_context())


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
        m365.tenant_id = tenant
        m365.consented_at = timezone.now()
        m365.status, m365.status_message, m365.verified_at = Status.SAVED, "", None
        m365.chosen, exchange.chosen = True, False
        m365.enabled, exchange.enabled = was_chosen_enabled, False
        m365.save()
        exchange.save()
        audit.record(request, "outlook", ["tenant_id", "method"], action="consent")
        count = 0
        if before_method != m365.method:
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
