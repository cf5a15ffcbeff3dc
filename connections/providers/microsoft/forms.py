"""Microsoft 365's fields on the Outlook Integration and Sync page.

The page serves both Outlook methods (connections/outlook.py); the tenant itself comes from the
admin consent (views.py), so the form only routes users by domain."""

from __future__ import annotations

from django import forms

from connections import validators


class Microsoft365Fields(forms.Form):
    m365_domains = forms.CharField(
        label="Microsoft 365 domains",
        required=False,
        max_length=2000,
        help_text="The verified domains of your tenant whose users sync with Microsoft 365, "
        "separated by commas, such as nordvik.example.",
    )

    def clean_m365_domains(self) -> list[str]:
        return validators.check_domains(self.cleaned_data["m365_domains"], "Microsoft 365 domains")
