"""The CalDAV/CardDAV setup form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connections import claims, validators
from connections.forms import SetupForm, secret_input
from connections.models import SyncKinds

TEMPLATE_FIELD = "Principal URL template"
EXAMPLE = "https://dav.example.com/{email}/"
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
KNOWN = {"email", "user", "domain"}


def check_url_template(value: str) -> str:
    """An https URL naming each user's principal with {email}, or {user} and {domain}."""
    value = value.strip()
    names = PLACEHOLDER.findall(value)
    unknown = sorted(set(names) - KNOWN)
    if unknown:
        raise ValidationError(
            f"{TEMPLATE_FIELD}: {{{unknown[0]}}} is not a placeholder lsync fills in; use "
            "{email}, {user} (before the @) or {domain}.",
            code="unknown_placeholder",
        )
    if not names:
        raise ValidationError(
            f"{TEMPLATE_FIELD}: name where each user's collections are with {{email}} or "
            f"{{user}}, such as {EXAMPLE}.",
            code="no_placeholder",
        )
    filled = PLACEHOLDER.sub("x", value)
    if "{" in filled or "}" in filled:
        raise ValidationError(f"{TEMPLATE_FIELD}: a brace is not closed.", code="brace")
    if "{" in value.split("//", 1)[-1].split("/", 1)[0]:
        raise ValidationError(
            f"{TEMPLATE_FIELD}: the placeholders belong in the path, not in the server name.",
            code="placeholder_in_host",
        )
    validators.check_https_url(filled, TEMPLATE_FIELD, EXAMPLE)
    return value


class CalDavForm(SetupForm):
    enabled = forms.BooleanField(
        label="Let users sync contacts, events, or both between a CalDAV/CardDAV server and "
        "Salesforce",
        required=False,
    )
    sync_kinds = forms.ChoiceField(
        label="What to sync", choices=SyncKinds.choices, widget=forms.RadioSelect
    )
    url_template = forms.CharField(
        label=TEMPLATE_FIELD,
        required=False,
        max_length=500,
        help_text=f"Each user's principal URL, such as {EXAMPLE} (Radicale, SOGo) or "
        "https://cloud.example.com/remote.php/dav/principals/users/{user}/ (Nextcloud).",
    )
    username = forms.CharField(
        label="Service account",
        required=False,
        max_length=255,
        help_text="An account the server lets act for every user (an admin with delegation).",
    )
    password = forms.CharField(
        label="Password",
        required=False,
        widget=secret_input(),
        strip=False,
        max_length=1000,
        help_text="Leave blank to keep the stored password. It is encrypted and never shown.",
    )
    domains = forms.CharField(
        label="E-mail domains",
        required=False,
        max_length=2000,
        help_text="The domains of the server's users, separated by commas. Users whose e-mail "
        "address is in one of them sync with this server.",
    )

    def __init__(self, *args: Any, has_password: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_password = has_password

    def clean_url_template(self) -> str:
        value = self.cleaned_data["url_template"]
        return check_url_template(value) if value.strip() else ""

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"]).strip()
        if any(c in value for c in ":\r\n"):
            raise ValidationError(
                "Service account: a user name cannot hold a colon or a line break.", code="chars"
            )
        return value

    def clean_domains(self) -> list[str]:
        return validators.check_domains(self.cleaned_data["domains"], "E-mail domains")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("enabled"):
            return data
        if data.get("domains"):
            error = claims.claim_error("caldav", data["domains"], "E-mail domains")
            if error:
                self.add_error("domains", ValidationError(error, code="domain_claimed"))
        else:
            self.add_error("domains", "E-mail domains: name at least one before turning sync on.")
        if not data.get("url_template") and "url_template" not in self.errors:
            self.add_error("url_template", f"{TEMPLATE_FIELD}: enter it before turning sync on.")
        if not data.get("username") and "username" not in self.errors:
            self.add_error("username", "Service account: enter its user name.")
        if not data.get("password") and not self.has_password:
            self.add_error("password", "Password: enter the service account's password.")
        return data
