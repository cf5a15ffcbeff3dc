"""Forms of the sync configuration pages. Every error message starts with the field's label."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from connections.forms import SetupBoundField
from syncengine import directory
from syncengine.models import SyncConfiguration, TargetType

MAX_WINDOW_DAYS = 5 * 366
SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
ID_PREFIX = {TargetType.USER: "005", TargetType.PROFILE: "00e"}


def check_soql_condition(text: str) -> str:
    """Light checks of an extra SOQL condition; the rest is Salesforce's job (tried on save)."""
    condition = text.strip()
    if condition.upper().startswith("WHERE "):
        condition = condition[6:].strip()
    if not condition:
        return ""
    depth, quoted, escaped = 0, False, False
    for char in condition:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                quoted = False
            continue
        if char == "'":
            quoted = True
        elif char == ";":
            raise ValidationError(
                "remove the semicolon: the filter is one condition, not a statement.",
                code="semicolon",
            )
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValidationError(
                    "a closing parenthesis has no opening one.", code="parentheses"
                )
    if quoted:
        raise ValidationError("a quoted value is not closed with '.", code="quote")
    if depth:
        raise ValidationError(
            f"{depth} opening parenthes{'is is' if depth == 1 else 'es are'} not closed.",
            code="parentheses",
        )
    return condition


class LabelledErrorsMixin:
    """Prefixes each field error with the field's label, so a message names its field."""

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
                    m if m.startswith(f"{label}:") else f"{label}: {m[:1].lower()}{m[1:]}"
                    for m in messages
                ]  # fmt: skip
            )


def style_widgets(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            continue
        css = "slds-select" if isinstance(widget, forms.Select) else "slds-input"
        if isinstance(widget, forms.Textarea):
            css = "slds-textarea"
        widget.attrs.setdefault("class", css)


class ConfigurationForm(LabelledErrorsMixin, forms.ModelForm):  # type: ignore[type-arg]
    bound_field_class = SetupBoundField

    class Meta:
        model = SyncConfiguration
        fields = [
            "name",
            "active",
            "contacts_direction",
            "contacts_ownership",
            "contacts_soql_filter",
            "events_direction",
            # events_scope ("only events users select") and events_auto_relate are not offered:
            # lsync syncs every event in the window and always relates the attendees it finds
            # in Salesforce, and a setting must do what it says (NOT_APPLIED in models.py).
            "events_sync_private",
            "events_sync_series",
            "events_propagate_deletes",
            "events_send_invitations",
            "events_days_past",
            "events_days_future",
            "conflict_policy",
            "mass_delete_percent",
            "mass_delete_count",
        ]
        labels = {
            "name": "Name",
            "active": "Active",
            "contacts_direction": "Contact sync direction",
            "contacts_ownership": "Which contacts",
            "contacts_soql_filter": "Extra SOQL filter",
            "events_direction": "Event sync direction",
            "events_scope": "Which mailbox events",
            "events_sync_private": "Sync private events",
            "events_sync_series": "Sync recurring events (series)",
            "events_propagate_deletes": "Delete an event on the other side when it is deleted",
            "events_auto_relate": "Relate events to matching contacts and leads",
            "events_send_invitations": "Send invitations to attendees",
            "events_days_past": "Days in the past",
            "events_days_future": "Days in the future",
            "conflict_policy": "When both sides changed",
            "mass_delete_percent": "Mass-delete guard (percent)",
            "mass_delete_count": "Mass-delete guard (items)",
        }
        help_texts = {
            "contacts_soql_filter": "Optional. One SOQL condition on Contact, such as "
            "MailingCountry = 'FR' AND Account.Type = 'Customer'. lsync tries it on Salesforce "
            "when you save.",
            "events_scope": "'Only events users select': Outlook or Google events sync to "
            "Salesforce only when the user marks them.",
            "events_send_invitations": "Off: attendees of events synced from Salesforce are "
            "not e-mailed by the mailbox.",
            "mass_delete_percent": "A run that would delete more than this share of one side's "
            "items stops and waits for approval.",
            "mass_delete_count": "A run that would delete more than this many items stops and "
            "waits for approval.",
        }
        error_messages = {"name": {"unique": "another configuration already has this name."}}
        widgets = {
            "contacts_direction": forms.RadioSelect,
            "contacts_ownership": forms.RadioSelect,
            "events_direction": forms.RadioSelect,
            "events_scope": forms.RadioSelect,
            "conflict_policy": forms.RadioSelect,
            "contacts_soql_filter": forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filter_warning = ""
        style_widgets(self)
        for name in ("events_days_past", "events_days_future"):
            self.fields[name].validators += [MaxValueValidator(MAX_WINDOW_DAYS)]
        self.fields["mass_delete_percent"].validators += [MinValueValidator(1)]
        self.fields["mass_delete_count"].validators += [MinValueValidator(1)]

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        others = SyncConfiguration.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("another configuration already has this name.", code="unique")
        return name

    def clean_contacts_soql_filter(self) -> str:
        condition = check_soql_condition(str(self.cleaned_data["contacts_soql_filter"]))
        if not condition or not directory.salesforce_connected():
            return condition
        try:
            directory.get_directory().check_contact_filter(condition)
        except directory.FilterRejected as exc:
            raise ValidationError(
                "rejected by Salesforce: %(reason)s", code="rejected", params={"reason": exc}
            ) from exc
        except directory.DirectoryError as exc:
            self.filter_warning = (
                f"The extra SOQL filter was saved but not tried on Salesforce: {exc}"
            )
        return condition


class AssignForm(LabelledErrorsMixin, forms.Form):
    bound_field_class = SetupBoundField
    target_type = forms.ChoiceField(label="Assign", choices=TargetType.choices)
    salesforce_id = forms.CharField(label="Salesforce ID", max_length=18)
    label = forms.CharField(label="Label", max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sf_id = str(data.get("salesforce_id") or "").strip()
        kind = data.get("target_type")
        if "salesforce_id" in data:
            if not SALESFORCE_ID.match(sf_id):
                self.add_error("salesforce_id", "enter a 15- or 18-character Salesforce ID.")
            elif kind in ID_PREFIX and not sf_id.startswith(ID_PREFIX[kind]):
                noun = "user" if kind == TargetType.USER else "profile"
                self.add_error(
                    "salesforce_id",
                    f"this is not a {noun} ID ({noun} IDs start with {ID_PREFIX[kind]}).",
                )
            data["salesforce_id"] = sf_id
        return data
