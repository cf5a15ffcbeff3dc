"""Exchange's part of the Outlook Integration and Sync page (connections/outlook.py): what the
page shows of the service account, how it stores it, and the sign-in before it does."""

from __future__ import annotations

from typing import Any

from django import forms

from connections.models import MailConnection, Status
from connections.providers.exchange import checks

# Settings of the service account itself; a change to any of them needs a new verification.
EXCHANGE_FIELDS = [
    "username",
    "password",
    "ews_url",
    "auth_basic",
    "auth_ntlm",
    "additional_domains",
]


def initial(exchange: MailConnection) -> dict[str, object]:
    return {
        "username": exchange.username,
        "ews_url": exchange.ews_url,
        "auth_basic": exchange.auth_basic,
        "auth_ntlm": exchange.auth_ntlm,
        "additional_domains": ", ".join(exchange.additional_domains or []),
    }


def apply(exchange: MailConnection, data: dict[str, Any]) -> None:
    """Copies the page's Exchange fields onto the connection (the caller saves it)."""
    exchange.username = data["username"]
    if data["clear_password"]:
        exchange.password = ""
    if data["password"]:
        exchange.password = data["password"]
    exchange.ews_url = data["ews_url"]
    exchange.auth_basic = data["auth_basic"]
    exchange.auth_ntlm = data["auth_ntlm"]
    exchange.additional_domains = data["additional_domains"]


def restatus(exchange: MailConnection, changed: list[str]) -> None:
    """Changed settings are no longer verified: the next Test Connection or sync checks them."""
    if not (exchange.username and exchange.password):
        exchange.status, exchange.status_message = Status.NOT_CONFIGURED, ""
    elif set(changed) & set(EXCHANGE_FIELDS) or exchange.status == Status.NOT_CONFIGURED:
        exchange.status, exchange.status_message, exchange.verified_at = Status.SAVED, "", None


def signs_in(form: forms.Form, stored: MailConnection) -> bool:
    """Turning Exchange sync on (chosen, or kept on in hybrid mode) with new settings: they
    must sign in before they are stored, so an unreachable host, an untrusted certificate or a
    wrong password is named on its field and nothing is saved (no sync starts with settings
    that cannot work)."""
    data = form.cleaned_data
    exchange_on = data["method"] == MailConnection.Method.EXCHANGE or data.get("hybrid")
    if not exchange_on or not data["enabled"]:
        return True
    problem = checks.verify_outlook_form(data, stored)
    if problem is None:
        return True
    form.add_error(problem[0], problem[1])
    return False
