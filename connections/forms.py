"""Setup forms. They validate everything before a view writes anything."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField

from connections import keys, validators
from connections.models import MailConnection, SyncKinds

# Copying, cutting or dragging the typed secret out of the field is blocked; typing is not.
SECRET_INPUT_ATTRS = {
    "autocomplete": "new-password",
    "oncopy": "return false",
    "oncut": "return false",
    "ondragstart": "return false",
    "spellcheck": "false",
}


class SetupBoundField(BoundField):
    """Ties a field's error and help text to its input for screen readers."""

    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> Any:
        attrs = super().build_widget_attrs(attrs, widget)
        described = []
        if self.errors:
            described.append(f"{self.auto_id}_error")
            attrs["aria-invalid"] = "true"
        if self.help_text:
            described.append(f"{self.auto_id}_helptext")
        if described:
            attrs["aria-describedby"] = " ".join(described)
        return attrs


class SetupForm(forms.Form):
    bound_field_class = SetupBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                continue
            css = (
                "slds-file-selector__input" if isinstance(widget, forms.FileInput) else "slds-input"
            )
            widget.attrs.setdefault("class", css)


def _secret_input() -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs=dict(SECRET_INPUT_ATTRS))


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
        widget=_secret_input(),
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

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"]).strip()
        return validators.check_exchange_username(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = not self.has_key and not data.get("key_file") and "key_file" not in self.errors
        if data.get("enabled") and missing:
            self.add_error(
                "key_file",
                "Service account key: upload the JSON key before turning sync on.",
            )
        return data
