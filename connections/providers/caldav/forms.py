"""The CalDAV/CardDAV setup form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connections import claims, validators
from connections.forms import SECRET_INPUT_ATTRS, SecretTextarea, SetupForm, secret_input
from connections.models import SyncKinds
from connections.providers.caldav.models import DELEGATION, PER_USER

AUTH_CHOICES = [
    (DELEGATION, "One service account that may act for every user (delegation)"),
    (PER_USER, "An app password per user"),
]
PASSWORDS_FIELD = "App passwords"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_user_passwords(text: str) -> dict[str, tuple[str, str]]:
    """Lines of `address password` or `address login password` -> {address: (login, password)}."""
    found: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) not in (2, 3):
            raise ValidationError(
                f"{PASSWORDS_FIELD}: line {number} should be an address and a password (or an "
                "address, a login and a password), separated by spaces.",
                code="line",
            )
        address = parts[0].lower()
        if not EMAIL.match(address):
            raise ValidationError(
                f"{PASSWORDS_FIELD}: line {number} does not start with an e-mail address.",
                code="address",
            )
        login = parts[1] if len(parts) == 3 else address
        found[address] = (login, parts[-1])
    return found


TEMPLATE_FIELD = "Principal URL template"
EXAMPLE = "https://dav.example.com/{email}/"
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
KNOWN = {"email", "user", "domain"}


def check_url_template(value: str, *, placeholder: bool = True) -> str:
    """An https URL naming each user's principal with {email}, or {user} and {domain}; with
    `placeholder` False (app passwords per user) the server's URL alone is enough too."""
    value = value.strip()
    names = PLACEHOLDER.findall(value)
    unknown = sorted(set(names) - KNOWN)
    if unknown:
        raise ValidationError(
            f"{TEMPLATE_FIELD}: {{{unknown[0]}}} is not a placeholder lsync fills in; use "
            "{email}, {user} (before the @) or {domain}.",
            code="unknown_placeholder",
        )
    if not names and placeholder:
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
    auth = forms.ChoiceField(
        label="Credentials", choices=AUTH_CHOICES, widget=forms.RadioSelect, initial=DELEGATION
    )
    url_template = forms.CharField(
        label=TEMPLATE_FIELD,
        required=False,
        max_length=500,
        help_text=f"Each user's principal URL, such as {EXAMPLE} (Radicale, SOGo) or "
        "https://cloud.example.com/remote.php/dav/principals/users/{user}/ (Nextcloud). With app "
        "passwords per user, the server's URL alone also works: lsync asks the server.",
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
    user_passwords = forms.CharField(
        label=PASSWORDS_FIELD,
        required=False,
        # Masked as it is typed (lsync-masked) and not copyable (data-lsync-secret), like the
        # password inputs; a textarea, since it holds one line per user.
        widget=SecretTextarea(
            attrs={**SECRET_INPUT_ATTRS, "rows": 4, "class": "slds-textarea lsync-masked"}
        ),
        strip=False,
        max_length=100_000,
        help_text="One line per user: the address and the app password, or the address, the "
        "login and the app password. Lines are added to the stored ones; they are encrypted and "
        "never shown again.",
    )
    clear_user_passwords = forms.BooleanField(
        label="Remove every stored app password", required=False
    )
    domains = forms.CharField(
        label="E-mail domains",
        required=False,
        max_length=2000,
        help_text="The domains of the server's users, separated by commas. Users whose e-mail "
        "address is in one of them sync with this server.",
    )

    def __init__(
        self, *args: Any, has_password: bool = False, stored_users: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.has_password = has_password
        self.stored_users = stored_users

    def clean_url_template(self) -> str:
        value = self.cleaned_data["url_template"]
        per_user = self.data.get("auth") == PER_USER
        return check_url_template(value, placeholder=not per_user) if value.strip() else ""

    def clean_user_passwords(self) -> dict[str, tuple[str, str]]:
        return parse_user_passwords(self.cleaned_data["user_passwords"])

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
        if data.get("auth") == PER_USER:
            kept = 0 if data.get("clear_user_passwords") else self.stored_users
            if not data.get("user_passwords") and not kept and "user_passwords" not in self.errors:
                self.add_error(
                    "user_passwords", f"{PASSWORDS_FIELD}: enter at least one user's app password."
                )
            return data
        if not data.get("username") and "username" not in self.errors:
            self.add_error("username", "Service account: enter its user name.")
        if not data.get("password") and not self.has_password:
            self.add_error("password", "Password: enter the service account's password.")
        return data
