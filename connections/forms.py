"""What every setup form shares. Each provider's form is in its folder's forms.py; they
validate everything before a view writes anything."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField

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


def secret_input() -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs=dict(SECRET_INPUT_ATTRS))
