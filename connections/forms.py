"""What every setup form shares. Each provider's form is in its folder's forms.py; they
validate everything before a view writes anything."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms.boundfield import BoundField

# Copying, cutting or dragging the typed secret out of the field is blocked (by
# static/js/secret-fields.js: the Content-Security-Policy allows no inline handlers); typing is not.
SECRET_INPUT_ATTRS = {
    "autocomplete": "new-password",
    "data-lsync-secret": "",
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


# A message that already starts with a field's name ("Login URL: ...", "Key file: ...").
_NAMED = re.compile(r"^[A-Z][^.:]{0,60}: ")


class LabelledErrorsMixin:
    """Prefixes each field error with the field's label, so that every message names its field
    (Django's own "This field is required." and "Ensure this value has at most 10 characters"
    do not); messages that already name a field are kept as they are."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors: dict[str, Any] = getattr(self, "_errors", None) or {}
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        for name, messages in list(errors.items()):
            if name not in fields:
                continue
            label = str(fields[name].label or name)
            errors[name] = self.error_class(  # type: ignore[attr-defined]
                [
                    m
                    if m.startswith(f"{label}:") or _NAMED.match(m)
                    else f"{label}: {m[:1].lower()}{m[1:]}"
                    for m in messages
                ]  # fmt: skip
            )


class SetupForm(LabelledErrorsMixin, forms.Form):
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


def secret_input() -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs=dict(SECRET_INPUT_ATTRS))


class SecretTextarea(forms.Textarea):
    """Lines of secrets: like a password input, a submitted value is never rendered back, also
    not when the page comes back with an error."""

    def format_value(self, value: Any) -> str | None:
        return None
