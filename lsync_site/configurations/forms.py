"""Forms of the sync configuration pages. Every error message starts with the field's label."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from connections.forms import LabelledErrorsMixin, SetupBoundField
from connections.providers.salesforce import directory
from syncengine.models import (
    DEFAULT_SELECT_CATEGORY,
    EventColor,
    EventScope,
    SyncConfiguration,
    TargetType,
    name_key,
)

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
            "events_scope",
            "events_select_category",
            "events_select_color",
            "events_sync_private",
            "events_sync_series",
            "events_propagate_deletes",
            "events_outside_meetings",
            "events_auto_relate",
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
            "events_select_category": "Outlook category that selects an event",
            "events_select_color": "Google Calendar colour that selects an event",
            "events_sync_private": "Sync private events",
            "events_sync_series": "Sync recurring events (series)",
            "events_propagate_deletes": "Delete an event on the other side when it is deleted",
            "events_outside_meetings": "Sync meetings organized by people who do not sync",
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
            "Salesforce only when the user marks them (with the category or colour below). "
            "Events from Salesforce reach the mailbox either way.",
            "events_select_category": "Microsoft 365 and Exchange users put this category on "
            "an event to sync it; removing the category takes the event out of Salesforce as "
            "a deletion would (see the delete setting).",
            "events_select_color": "Google Calendar users give an event this colour to sync it; "
            "another colour takes it out of Salesforce as a deletion would.",
            "events_outside_meetings": "On: a meeting a user is invited to by a customer or "
            "partner becomes one Salesforce event. Meetings organized by a colleague who syncs "
            "are always the organizer's Salesforce event, never a second one.",
            "events_auto_relate": "An event created in Salesforce from the mailbox gets the "
            "first attendee found as a contact (else as a lead) as its Name, and that contact's "
            "account as Related To; with Shared Activities, every attendee found as a contact "
            "is related too, and the relations follow the attendees. Attendees become invitees "
            "either way.",
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
            "events_select_color": forms.Select,
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
        # Offered with the scope; a form that leaves it out keeps what is stored.
        self.fields["events_select_color"].required = False

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        others = SyncConfiguration.objects.filter(name_key=name_key(name)).exclude(
            pk=self.instance.pk
        )
        taken = others.values_list("name", flat=True).first()
        if taken is not None:
            raise ValidationError(
                "another configuration is already called “%(taken)s” (names are compared "
                "without regard to case). Choose another name.",
                code="unique",
                params={"taken": taken},
            )
        return name

    def clean_events_select_color(self) -> str:
        color = str(self.cleaned_data.get("events_select_color") or "")
        return color or self.instance.events_select_color or EventColor.GRAPE

    def clean_events_select_category(self) -> str:
        category = " ".join(str(self.cleaned_data.get("events_select_category") or "").split())
        if self.data.get(self.add_prefix("events_scope")) != EventScope.SELECTED:
            return category or DEFAULT_SELECT_CATEGORY
        if not category:
            raise ValidationError(
                "enter the category users put on an Outlook event to sync it, for example "
                "“Salesforce”.",
                code="required",
            )
        bad = sorted({c for c in category if c in ",;"})
        if bad:
            raise ValidationError(
                "remove %(chars)s: Outlook separates categories with commas and semicolons, so "
                "a name holding one cannot be set on an event.",
                code="separator",
                params={"chars": " and ".join(f"“{c}”" for c in bad)},
            )
        return category

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


def same_id(a: str, b: str) -> bool:
    """Salesforce IDs: the 18-character form is the 15-character one plus a checksum."""
    return a[:15] == b[:15]


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
        if not self.errors and kind in ID_PREFIX:
            data["salesforce_id"] = self._check_exists(kind, sf_id) or sf_id
        return data

    def _check_exists(self, kind: str, sf_id: str) -> str | None:
        """The ID as Salesforce spells it (18 characters), if it names an active user or a
        profile of the org: a typo would otherwise be saved and enroll nobody, silently."""
        try:
            source = directory.get_directory()
            if kind == TargetType.USER:
                ids = [u.id for u in source.users_by_id([sf_id])]
            else:
                ids = [p.id for p in source.profiles_by_id([sf_id])]
        except directory.DirectoryError as exc:
            self.add_error(
                "salesforce_id",
                f"lsync could not check it in Salesforce, so nothing was assigned: {exc}",
            )
            return None
        found = next((i for i in ids if same_id(i, sf_id)), None)
        if found is None:
            noun = "active user" if kind == TargetType.USER else "profile"
            self.add_error(
                "salesforce_id",
                f"no {noun} in Salesforce has the ID {sf_id}. Pick it with the search above, "
                "or copy the ID from the record's URL in Salesforce.",
            )
        return found
