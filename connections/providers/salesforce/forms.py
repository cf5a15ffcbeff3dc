"""The Salesforce setup form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connections import keys, validators
from connections.forms import SetupForm


class SalesforceForm(SetupForm):
    login_url = forms.CharField(
        label="Login URL",
        max_length=200,
        help_text="https://login.salesforce.com (production), https://test.salesforce.com "
        "(sandbox) or your My Domain URL such as https://yourcompany.my.salesforce.com.",
    )
    consumer_key = forms.CharField(
        label="Consumer key",
        max_length=255,
        help_text="From the connected app (App Manager > your app > Manage Consumer Details).",
    )
    private_key = forms.FileField(
        label="Private key (PEM file)",
        required=False,
        help_text="The RSA private key (2048 bits or more) whose certificate is uploaded to the "
        "connected app. At most 16 KiB. It is encrypted here and never shown again.",
    )
    api_version = forms.CharField(label="API version", max_length=10, initial="62.0")
    api_budget_percent = forms.IntegerField(
        label="lsync's share of the daily API allocation (%)",
        required=False,
        initial=10,
        help_text="Above this share of the org's daily Salesforce API calls, lsync reconciles "
        "less often (changes still sync). Blank: 10.",
    )

    def __init__(self, *args: Any, has_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_key = has_key
        self.fields["private_key"].widget.attrs["accept"] = ".pem,.key,application/x-pem-file"
        if has_key:
            self.fields["private_key"].label = "Replace private key (PEM file)"

    def clean_login_url(self) -> str:
        return validators.check_login_url(self.cleaned_data["login_url"])

    def clean_api_version(self) -> str:
        return validators.check_api_version(self.cleaned_data["api_version"])

    def clean_api_budget_percent(self) -> int:
        value = self.cleaned_data.get("api_budget_percent")
        if value is None:
            return 10
        if not 1 <= int(value) <= 100:
            raise ValidationError(
                "lsync's share of the daily API allocation (%): enter a whole percentage from 1 "
                "to 100.",
                code="out_of_range",
            )
        return int(value)

    def clean_consumer_key(self) -> str:
        return str(self.cleaned_data["consumer_key"]).strip()

    def clean_private_key(self) -> tuple[str, str] | None:
        upload = self.cleaned_data.get("private_key")
        if not upload:
            if not self.has_key:
                raise ValidationError(
                    "Private key: upload the PEM private key of the connected app's certificate.",
                    code="required",
                )
            return None
        data = keys.read_upload(upload, keys.PEM_MAX_BYTES, "private key file")
        return keys.check_salesforce_key(data)
