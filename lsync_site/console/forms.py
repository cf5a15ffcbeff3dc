"""Input of the console's actions (everything else is a button with no fields)."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from connections.forms import LabelledErrorsMixin

salesforce_id = RegexValidator(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$", "Not a Salesforce id.")


class SearchForm(LabelledErrorsMixin, forms.Form):
    sobject = forms.ChoiceField(
        label="Record type",
        choices=[("Account", "Accounts"), ("Contact", "Contacts"), ("Lead", "Leads")],
    )
    q = forms.CharField(label="Search", max_length=80, strip=True)


class PickForm(forms.Form):
    record_id = forms.CharField(max_length=18, validators=[salesforce_id])
    sobject = forms.ChoiceField(
        choices=[("Account", "Account"), ("Contact", "Contact"), ("Lead", "Lead")]
    )
    name = forms.CharField(max_length=120, required=False)


class UserFilterForm(forms.Form):
    q = forms.CharField(label="Find a user", max_length=100, required=False, strip=True)
