"""The sync configuration pages: access, create/edit/delete with validation, activation,
assignments, and the Salesforce search (JSON and plain form)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from connections.models import AuditEntry
from syncengine.enrollment import resolve_enrollment
from syncengine.models import ConfigurationAssignment, SyncConfiguration, SyncUser
from tests.configurations.conftest import Org, assign_user, configuration, make_user

pytestmark = pytest.mark.django_db
BASE = "/setup/sync-configurations/"

VALID = {
    "name": "Sales EMEA",
    "active": "on",
    "contacts_direction": "both",
    "contacts_ownership": "mine",
    "contacts_soql_filter": "",
    "events_direction": "salesforce_to_mailbox",
    "events_scope": "all",
    "events_sync_private": "on",
    "events_days_past": "30",
    "events_days_future": "365",
    "conflict_policy": "salesforce",
    "mass_delete_percent": "50",
    "mass_delete_count": "200",
}


def page(response: Any) -> str:
    return str(response.content.decode())


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "new/"),
        ("get", "search/?q=ana"),
        ("post", "resolve/"),
        ("get", "{pk}/"),
        ("post", "{pk}/toggle/"),
        ("get", "{pk}/delete/"),
        ("post", "{pk}/assign/"),
    ],
)
def test_every_page_needs_the_manage_sync_permission(method: str, path: str) -> None:
    config = configuration("Team")
    url = BASE + path.format(pk=config.pk)
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

    viewer = Client()
    viewer.force_login(make_user("viewer", "view_sync_status"))
    assert getattr(viewer, method)(url).status_code == 403
    assert SyncConfiguration.objects.get().active


def test_the_list_shows_assignments_and_directions(admin_client: Client) -> None:
    config = configuration("Sales EMEA", events_direction="off")
    assign_user(config, "005000000000001AAA")
    assign_user(config, "005000000000002AAA")
    ConfigurationAssignment.assign(config, "profile", "00e000000000001AAA")
    for n in range(3):
        SyncUser.objects.create(
            configuration=config, salesforce_user_id=f"00500000000000{n}XYZ", username=f"u{n}"
        )

    html = page(admin_client.get(BASE))

    assert "Sales EMEA" in html and "Don&#x27;t sync" in html and "Sync both ways" in html
    counts = [cell.split("</td>")[0] for cell in html.split("<td>")[2:5]]
    assert counts == ["2", "1", "3"]
    assert "An individual assignment beats a profile assignment" in html


def test_a_configuration_is_created_and_audited(admin_client: Client) -> None:
    response = admin_client.post(BASE + "new/", VALID)

    config = SyncConfiguration.objects.get()
    assert response["Location"] == f"{BASE}{config.pk}/"
    assert (config.name, config.events_direction, config.events_sync_series) == (
        "Sales EMEA",
        "salesforce_to_mailbox",
        False,
    )
    entry = AuditEntry.objects.get()
    assert (entry.page, entry.action, entry.username) == (
        "sync-configurations",
        "create",
        "manager",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name: this field is required."),
        ("contacts_direction", "sideways", "Contact sync direction: select a valid choice."),
        ("contacts_soql_filter", "Email != null; DELETE", "Extra SOQL filter: remove the semicolon"),
        ("contacts_soql_filter", "(A = 'x' OR B = 'y'", "Extra SOQL filter: 1 opening parenthesis is not closed."),
        ("contacts_soql_filter", "A = 'x')", "Extra SOQL filter: a closing parenthesis has no opening one."),
        ("contacts_soql_filter", "Name = 'O(", "Extra SOQL filter: a quoted value is not closed"),
        ("events_days_future", "9999", "Days in the future: ensure this value is less than or equal to 1830."),
        ("mass_delete_percent", "101", "Mass-delete guard (percent): ensure this value is less than or equal to 100."),
        ("mass_delete_count", "0", "Mass-delete guard (items): ensure this value is greater than or equal to 1."),
    ],
)  # fmt: skip
def test_an_invalid_field_is_named_and_nothing_is_saved(
    admin_client: Client, field: str, value: str, message: str
) -> None:
    response = admin_client.post(BASE + "new/", {**VALID, field: value})

    assert response.status_code == 200
    assert message in page(response).replace("&#x27;", "'")
    assert "Nothing was saved" in page(response)
    assert not SyncConfiguration.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_second_configuration_may_not_take_an_existing_name(admin_client: Client) -> None:
    configuration("Sales EMEA")

    response = admin_client.post(BASE + "new/", {**VALID, "name": " sales  EMEA "})

    assert "Name: another configuration is already called “Sales EMEA”" in page(response)
    assert SyncConfiguration.objects.count() == 1


def test_salesforce_tries_the_extra_filter_and_its_refusal_is_shown(
    org: Org, admin_client: Client
) -> None:
    # The emulator checks field names only against the rows it reads: give it one.
    org.emulator.add_record("Contact", {"LastName": "Moreau", "MailingCountry": "FR"})
    bad = {**VALID, "contacts_soql_filter": "Shoe_Size__c > 40"}

    response = admin_client.post(BASE + "new/", bad)

    html = page(response).replace("&#x27;", "'")
    assert "Extra SOQL filter: rejected by Salesforce: No such column 'Shoe_Size__c'" in html
    assert not SyncConfiguration.objects.exists()

    good = {**VALID, "contacts_soql_filter": "WHERE MailingCountry = 'FR'"}
    admin_client.post(BASE + "new/", good)
    assert SyncConfiguration.objects.get().contacts_soql_filter == "MailingCountry = 'FR'"


def test_a_malformed_filter_gets_salesforce_s_message_without_the_query(
    org: Org, admin_client: Client
) -> None:
    response = admin_client.post(BASE + "new/", {**VALID, "contacts_soql_filter": "Email = "})

    html = page(response).replace("&#x27;", "'")
    assert "Extra SOQL filter: rejected by Salesforce: unexpected token" in html
    assert "SELECT Id FROM Contact" not in html


def test_editing_records_the_changed_fields(admin_client: Client) -> None:
    config = configuration("Sales EMEA")

    admin_client.post(f"{BASE}{config.pk}/", {**VALID, "conflict_policy": "newest"})

    config.refresh_from_db()
    assert config.conflict_policy == "newest"
    entry = AuditEntry.objects.get()
    assert entry.action == "save"
    assert "conflict_policy" in entry.fields


def test_a_configuration_is_deactivated_and_activated_again(admin_client: Client) -> None:
    config = configuration("Sales EMEA")

    admin_client.post(f"{BASE}{config.pk}/toggle/")
    config.refresh_from_db()
    assert not config.active
    admin_client.post(f"{BASE}{config.pk}/toggle/")
    config.refresh_from_db()
    assert config.active
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "deactivate",
        "activate",
    ]


def test_deleting_asks_first_then_unassigns_its_users(org: Org, admin_client: Client) -> None:
    ana = org.user("ana@example.com")
    config = configuration("Sales EMEA")
    assign_user(config, ana)
    resolve_enrollment(mailboxes=[])

    confirm = admin_client.get(f"{BASE}{config.pk}/delete/")
    assert "1 enrolled user(s) are unassigned" in page(confirm)
    assert SyncConfiguration.objects.exists()

    admin_client.post(f"{BASE}{config.pk}/delete/")

    assert not SyncConfiguration.objects.exists()
    assert not ConfigurationAssignment.objects.exists()
    assert SyncUser.objects.get().configuration is None
    assert AuditEntry.objects.get().action == "delete"


def test_search_lists_active_users_and_profiles_as_json(org: Org, admin_client: Client) -> None:
    org.profile("Sales Manager")
    ana = org.user("ana.sales@example.com", profile="Sales Manager")
    org.user("sally.gone@example.com", active=False)
    config = configuration("Team")
    assign_user(config, ana)

    data = admin_client.get(BASE + "search/", {"q": "sal"}).json()

    assert [u["email"] for u in data["users"]] == ["ana.sales@example.com"]
    assert data["users"][0]["assigned_to"] == "Team"
    assert data["users"][0]["profile"] == "Sales Manager"
    assert [p["name"] for p in data["profiles"]] == ["Sales Manager"]
    assert admin_client.get(BASE + "search/", {"q": "a"}).json()["users"] == []


def test_search_says_when_salesforce_is_not_connected(admin_client: Client) -> None:
    data = admin_client.get(BASE + "search/", {"q": "ana"}).json()

    assert data["users"] == [] and "Salesforce is not connected" in data["error"]


def test_the_plain_search_form_works_without_javascript(org: Org, admin_client: Client) -> None:
    ana = org.user("ana@example.com")
    config = configuration("Team")

    html = page(admin_client.get(f"{BASE}{config.pk}/", {"q": "ana@"}))

    assert f'name="salesforce_id" value="{ana}"' in html
    assert "Assign user Ana User" in html
    response = admin_client.post(
        f"{BASE}{config.pk}/assign/",
        {"target_type": "user", "salesforce_id": ana, "label": "Ana User (ana@example.com.sf)"},
        follow=True,
    )
    assert "User Ana User (ana@example.com.sf) assigned to &#x27;Team&#x27;" in page(response)
    assert ConfigurationAssignment.objects.get().salesforce_id == ana
    assert AuditEntry.objects.get().action == "assign"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_type": "user", "salesforce_id": "nope"}, "Salesforce ID: enter a 15- or 18-character Salesforce ID."),
        ({"target_type": "user", "salesforce_id": "00e000000000001AAA"}, "Salesforce ID: this is not a user ID"),
        ({"target_type": "group", "salesforce_id": "005000000000001AAA"}, "Assign: select a valid choice."),
    ],
)  # fmt: skip
def test_an_invalid_assignment_is_refused_with_the_field_named(
    admin_client: Client, data: dict[str, str], message: str
) -> None:
    config = configuration("Team")

    response = admin_client.post(f"{BASE}{config.pk}/assign/", data, follow=True)

    assert message in page(response)
    assert not ConfigurationAssignment.objects.exists()


def test_an_assignment_is_removed(admin_client: Client) -> None:
    config = configuration("Team")
    assignment = assign_user(config, "005000000000001AAA")

    admin_client.post(f"{BASE}{config.pk}/assignments/{assignment.pk}/remove/")

    assert not ConfigurationAssignment.objects.exists()
    assert AuditEntry.objects.get().action == "unassign"


def test_resolving_now_reports_what_was_done(org: Org, admin_client: Client) -> None:
    assign_user(configuration("Team"), org.user("ana@example.com"))

    response = admin_client.post(BASE + "resolve/", follow=True)

    assert "Enrollment resolved: 1 enrolled (1 new)" in page(response)


def test_assigning_an_id_that_salesforce_does_not_know_is_refused(
    org: Org, admin_client: Client
) -> None:
    """Issue 12 item 8: assigning a Salesforce user or profile id checks that it exists."""
    config = configuration("Team")
    retired = org.user("gone@example.com", active=False)
    for kind, sf_id, noun in (
        ("user", "005000000000999AAA", "active user"),
        ("user", retired, "active user"),
        ("profile", "00e000000000999AAA", "profile"),
    ):
        response = admin_client.post(
            f"{BASE}{config.pk}/assign/", {"target_type": kind, "salesforce_id": sf_id}, follow=True
        )
        assert f"Salesforce ID: no {noun} in Salesforce has the ID {sf_id}." in page(response)
    assert not ConfigurationAssignment.objects.exists()


def test_an_assignment_made_with_a_15_character_id_is_stored_as_salesforce_spells_it(
    org: Org, admin_client: Client
) -> None:
    sales = org.profile("Sales Manager")
    config = configuration("Team")
    admin_client.post(
        f"{BASE}{config.pk}/assign/", {"target_type": "profile", "salesforce_id": sales[:15]}
    )
    assert ConfigurationAssignment.objects.get().salesforce_id == sales


def test_an_assignment_is_refused_when_salesforce_cannot_be_asked(admin_client: Client) -> None:
    config = configuration("Team")
    response = admin_client.post(
        f"{BASE}{config.pk}/assign/",
        {"target_type": "user", "salesforce_id": "005000000000001AAA"},
        follow=True,
    )
    assert "Salesforce ID: lsync could not check it in Salesforce" in page(response)
    assert "Salesforce is not connected" in page(response)
    assert not ConfigurationAssignment.objects.exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [("Sales EMEA", "sales emea"), ("Équipe Nord", "ÉQUIPE  NORD"), ("Straße", "STRASSE")],
)
def test_configuration_names_are_unique_without_regard_to_case_non_ascii_too(
    admin_client: Client, first: str, second: str
) -> None:
    """Issue 12 item 8: the form names the field and the taken name; the database refuses it
    too (a normalized, case-folded key: SQLite's lower() folds ASCII only)."""
    configuration(first)
    response = admin_client.post(f"{BASE}new/", {**VALID, "name": second}, follow=True)
    body = page(response).replace("&#x27;", "'")
    assert f"Name: another configuration is already called “{first}”" in body
    assert SyncConfiguration.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncConfiguration.objects.create(name=second)


def test_renaming_a_configuration_to_its_own_name_in_another_case_is_allowed(
    admin_client: Client,
) -> None:
    config = configuration("sales emea")
    admin_client.post(f"{BASE}{config.pk}/", {**VALID, "name": "Sales EMEA"})
    config.refresh_from_db()
    assert (config.name, config.name_key) == ("Sales EMEA", "sales emea")
