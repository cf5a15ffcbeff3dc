"""The Exchange service account's fields on the Outlook Integration and Sync page.

The page serves both Outlook methods (connections/outlook.py); this is Exchange's part of its
form, validated here so that nothing about a service account is checked anywhere else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connections import validators
from connections.forms import secret_input


class ExchangeFields(forms.Form):
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

    # Set by the page: whether a password is stored, so that a blank field can mean "keep it".
    has_password = False

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

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"]).strip()
        return validators.check_exchange_username(value) if value else ""

    @staticmethod
    def exchange_domains(data: dict[str, Any]) -> list[str]:
        """The domains whose users this service account syncs: its own and the additional ones."""
        domains = list(data.get("additional_domains", []))
        account = str(data.get("username") or "")
        if "@" in account:
            domains.append(account.rpartition("@")[2].lower())
        return domains

    def clean_exchange(self, data: dict[str, Any]) -> None:
        """Checks that need several fields; only when Exchange is the chosen method."""
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
