"""The Outlook Integration and Sync page: one page for both Outlook methods, as in Salesforce
Setup. Each method's fields and storage live in its provider's folder (exchange/forms.py and
views.py, microsoft/forms.py and views.py); this module puts them on one page and switches
between them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from connections import audit, claims, switching
from connections.forms import SetupForm
from connections.models import MailConnection, SyncKinds
from connections.permissions import manage_sync_required
from connections.providers.exchange import views as exchange_part
from connections.providers.exchange.forms import ExchangeFields
from connections.providers.microsoft.forms import Microsoft365Fields
from connections.views import snapshot

TOGGLE_FIELDS = ["enabled", "sync_kinds"]


class OutlookForm(SetupForm, ExchangeFields, Microsoft365Fields):
    enabled = forms.BooleanField(
        label="Let users sync contacts, events, or both between Microsoft Exchange and Salesforce",
        required=False,
    )
    sync_kinds = forms.ChoiceField(
        label="What to sync", choices=SyncKinds.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(
        label="Connection method",
        choices=[
            (MailConnection.Method.EXCHANGE, "Service Account"),
            (MailConnection.Method.MICROSOFT365, "OAuth 2.0 (Microsoft 365)"),
        ],
        widget=forms.RadioSelect,
    )
    hybrid = forms.BooleanField(
        label="Hybrid: keep the other method on for its own domains",
        required=False,
        help_text="For a migration between Exchange on premises and Microsoft 365: users in the "
        "service account's domain and its additional domains sync through the service account, "
        "users in the Microsoft 365 domains through Microsoft 365. A domain can be in one list "
        "only. Turning this off stops the syncs of the other method's users until they are "
        "linked through the chosen one.",
    )

    def __init__(self, *args: Any, has_password: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_password = has_password

    def exchange_on(self, data: dict[str, Any]) -> bool:
        return bool(data.get("hybrid")) or data.get("method") == MailConnection.Method.EXCHANGE

    def _refuse_claimed(self, data: dict[str, Any]) -> None:
        """A domain routed to another mail connection cannot be routed here too. Both Outlook
        methods are saved here, so their stored claims are not held against each other: in
        hybrid mode the two lists are checked against one another instead."""
        if not data.get("enabled"):
            return
        exchange_domains = self.exchange_domains(data)
        m365_domains = list(data.get("m365_domains", []))
        wanted = []
        if data.get("hybrid") or data.get("method") == MailConnection.Method.MICROSOFT365:
            wanted.append(("microsoft365", "m365_domains", m365_domains))
        if self.exchange_on(data):
            wanted.append(("exchange", "additional_domains", exchange_domains))
        for key, name, domains in wanted:
            label = str(self.fields[name].label)
            error = claims.claim_error(key, domains, label, ignore=MailConnection.OUTLOOK_METHODS)
            if error:
                self.add_error(name, ValidationError(error, code="domain_claimed"))
        if data.get("hybrid") and "m365_domains" not in self.errors:
            where = "the Exchange service account's domains (User name and Additional domains)"
            label = str(self.fields["m365_domains"].label)
            error = claims.overlap_error(label, m365_domains, where, exchange_domains)
            if error:
                self.add_error("m365_domains", ValidationError(error, code="domain_in_both"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._refuse_claimed(data)
        if self.exchange_on(data):
            self.clean_exchange(data)
        return data


def _initial(exchange: MailConnection, chosen: MailConnection) -> dict[str, object]:
    m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
    return exchange_part.initial(exchange) | {
        "enabled": chosen.enabled,
        "sync_kinds": chosen.sync_kinds,
        "method": chosen.method,
        "hybrid": MailConnection.outlook_hybrid(),
        "m365_domains": ", ".join(m365.additional_domains or []),
    }


def _save(request: HttpRequest, form: OutlookForm) -> tuple[list[str], str]:
    """Saves the page; returns the Outlook methods no longer in use, and the chosen one."""
    data = form.cleaned_data
    exchange = MailConnection.load(MailConnection.Method.EXCHANGE)
    m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
    before_method = MailConnection.outlook_choice()
    before_in_use = MailConnection.outlook_in_use()
    before_hybrid = MailConnection.outlook_hybrid()
    chosen = exchange if data["method"] == MailConnection.Method.EXCHANGE else m365
    fields = exchange_part.EXCHANGE_FIELDS
    before = snapshot(chosen, TOGGLE_FIELDS) | snapshot(exchange, fields)

    exchange_part.apply(exchange, data)
    m365_domains_before = list(m365.additional_domains or [])
    m365.additional_domains = data["m365_domains"]
    for conn in (exchange, m365):
        conn.chosen = conn is chosen
        conn.enabled = data["enabled"] if conn is chosen or data["hybrid"] else False
        conn.sync_kinds = data["sync_kinds"]

    after = snapshot(chosen, TOGGLE_FIELDS) | snapshot(exchange, fields)
    changed = audit.changed_fields(before, after)
    if before_method != chosen.method:
        changed.append("method")
    if m365_domains_before != m365.additional_domains:
        changed.append("m365_domains")
    exchange_part.restatus(exchange, changed)
    exchange.save()
    m365.save()
    if before_hybrid != MailConnection.outlook_hybrid():
        changed.append("hybrid")
    audit.record(request, "outlook", changed)
    in_use = MailConnection.outlook_in_use()
    return [m for m in before_in_use if m not in in_use], chosen.method


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
        if form.is_valid() and exchange_part.signs_in(form, stored=exchange):
            counts = {}
            with transaction.atomic():
                dropped, new = _save(request, form)
                for old in dropped:
                    counts[old] = switching.linked_through(old)
                    switching.unlink_after_switch(old, new)
            messages.success(request, "Outlook Integration and Sync settings saved.")
            for old, count in counts.items():
                if count:
                    messages.warning(request, switching.consequence(old, new, count, done=True))
            m365 = MailConnection.load(MailConnection.Method.MICROSOFT365)
            if m365.enabled and not m365.tenant_id:
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
    hybrid = MailConnection.outlook_hybrid()
    # In hybrid mode a switch of the chosen method stops nobody: turning hybrid off does.
    leaving, staying = (other, current) if hybrid else (current, other)
    linked = switching.linked_through(leaving)
    context = {
        "form": form,
        "exchange": exchange,
        "has_password": has_password,
        "switch_heading": "Before you turn hybrid off:"
        if hybrid
        else "Before you switch the method:",
        "switch_notice": switching.consequence(leaving, staying, linked) if linked else "",
        "waiting": switching.waiting(),
    }
    return render(request, "connections/outlook.html", context | _consent_context())
