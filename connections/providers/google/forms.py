"""The Google Integration and Sync form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connections import claims, keys, validators
from connections.forms import SetupForm
from connections.models import SyncKinds


class GoogleForm(SetupForm):
    enabled = forms.BooleanField(
        label="Let users sync contacts, events, or both between Google Workspace and Salesforce",
        required=False,
    )
    sync_kinds = forms.ChoiceField(
        label="What to sync", choices=SyncKinds.choices, widget=forms.RadioSelect
    )
    key_file = forms.FileField(
        label="Service account key (JSON file)",
        required=False,
        help_text="The JSON key of the service account with domain-wide delegation. At most "
        "64 KiB. It is encrypted here and never shown again.",
    )

    domains = forms.CharField(
        label="E-mail domains",
        required=False,
        max_length=2000,
        help_text="The domains of your Workspace's users, separated by commas, such as "
        "nordvik.example. Users whose e-mail address is in one of them sync with Google.",
    )

    def __init__(self, *args: Any, has_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_key = has_key
        self.fields["key_file"].widget.attrs["accept"] = ".json,application/json"
        if has_key:
            self.fields["key_file"].label = "Replace key (JSON file)"

    def clean_key_file(self) -> keys.GoogleKey | None:
        upload = self.cleaned_data.get("key_file")
        if not upload:
            return None
        data = keys.read_upload(upload, keys.GOOGLE_KEY_MAX_BYTES, "service account key file")
        return keys.check_google_key(data)

    def clean_domains(self) -> list[str]:
        return validators.check_domains(self.cleaned_data["domains"], "E-mail domains")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled") and data.get("domains"):
            error = claims.claim_error("google", data["domains"], "E-mail domains")
            if error:
                self.add_error("domains", ValidationError(error, code="domain_claimed"))
        missing = not self.has_key and not data.get("key_file") and "key_file" not in self.errors
        if data.get("enabled") and missing:
            self.add_error(
                "key_file",
                "Service account key: upload the JSON key before turning sync on.",
            )
        return data
