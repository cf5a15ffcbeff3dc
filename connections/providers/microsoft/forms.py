"""The Outlook Integration and Sync form: an Exchange service account or Microsoft 365."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connections import claims, validators
from connections.forms import SetupForm, secret_input
from connections.models import MailConnection, SyncKinds


class OutlookForm(SetupForm):
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
    username = forms.CharField(
        label="User name",
        required=False,
        max_length=255,
        help_text="The service account: user@domain or DOMAIN\\user.",
    )
    password = forms.CharField(
        label="Password",
        required=False,
        widget=secret_input(),
        strip=False,
        help_text="Leave blank to keep the stored password.",
    )
    clear_password = forms.BooleanField(label="Clear the stored password", required=False)
    ews_url = forms.CharField(
        label="EWS URL",
        required=False,
        max_length=200,
        help_text="Optional, such as https://mail.example.com/EWS/Exchange.asmx. "
        "Leave blank to find it with Autodiscover.",
    )
    auth_basic = forms.BooleanField(label="Basic", required=False)
    auth_ntlm = forms.BooleanField(label="NTLM", required=False)
    additional_domains = forms.CharField(
        label="Additional domains",
        required=False,
        max_length=2000,
        help_text="If users' e-mail domains differ from the service account's, list them "
        "separated by commas, such as awcomputing.net, awcomputing.de.",
    )

    m365_domains = forms.CharField(
        label="Microsoft 365 domains",
        required=False,
        max_length=2000,
        help_text="The verified domains of your tenant whose users sync with Microsoft 365, "
        "separated by commas, such as nordvik.example.",
    )

    def __init__(self, *args: Any, has_password: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_password = has_password

    def clean_ews_url(self) -> str:
        value = str(self.cleaned_data["ews_url"]).strip()
        if not value:
            return ""
        value = validators.check_https_url(
            value, "EWS URL", "https://mail.example.com/EWS/Exchange.asmx"
        )
        return validators.check_not_exchange_online(value)

    def clean_additional_domains(self) -> list[str]:
        return validators.check_domains(self.cleaned_data["additional_domains"])

    def clean_m365_domains(self) -> list[str]:
        return validators.check_domains(self.cleaned_data["m365_domains"], "Microsoft 365 domains")

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"]).strip()
        return validators.check_exchange_username(value) if value else ""

    def _refuse_claimed(self, data: dict[str, Any]) -> None:
        if not data.get("enabled"):
            return
        if data.get("method") == MailConnection.Method.MICROSOFT365:
            key, name, domains = "microsoft365", "m365_domains", list(data.get("m365_domains", []))
        else:
            key, name = "exchange", "additional_domains"
            domains = list(data.get("additional_domains", []))
            account = str(data.get("username") or "")
            if "@" in account:
                domains.append(account.rpartition("@")[2].lower())
        error = claims.claim_error(key, domains, str(self.fields[name].label))
        if error:
            self.add_error(name, ValidationError(error, code="domain_claimed"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._refuse_claimed(data)
        if data.get("method") != MailConnection.Method.EXCHANGE:
            return data
        if not data.get("auth_basic") and not data.get("auth_ntlm"):
            self.add_error(
                "auth_basic",
                ValidationError(
                    "Authentication: choose Basic, NTLM or both (Basic is used when both are on).",
                    code="no_auth",
                ),
            )
        if data.get("enabled"):
            if not data.get("username") and "username" not in self.errors:
                self.add_error("username", "User name: enter the service account to sync through.")
            keeps = self.has_password and not data.get("clear_password")
            if not data.get("password") and not keeps:
                self.add_error("password", "Password: enter the service account's password.")
        return data
