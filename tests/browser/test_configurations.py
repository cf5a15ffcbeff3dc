"""Sync configurations in a real browser: create one, then assign a profile and a user found by
searching Salesforce as you type. The live server runs in this process, so the in-process
Salesforce emulator (mounted on lsync's HTTP seam) answers its searches."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from syncengine.models import ConfigurationAssignment, SyncConfiguration
from tests.configurations.conftest import (  # noqa: F401  (fixtures)
    Org,
    configuration,
    org,
    salesforce_connection,
    sandbox_product,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("LSYNC_SCREENSHOT_DIR", "")


def shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def log_in(page: Any, live_server: Any) -> None:
    user = User.objects.create_user("admin1", "admin1@example.org", "pw-admin1-long")
    user.user_permissions.add(Permission.objects.get(codename="manage_sync"))
    page.goto(f"{live_server.url}/setup/sync-configurations/")
    page.get_by_label("User name").fill("admin1")
    page.get_by_label("Password").fill("pw-admin1-long")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/setup/sync-configurations/")


def test_a_configuration_is_created_and_users_and_profiles_are_assigned_as_you_type(
    page: Any,
    live_server: Any,
    org: Org,  # noqa: F811
) -> None:
    org.profile("Sales Manager")
    org.user("ana.nunez@example.com", profile="Sales Manager", last="Núñez")
    org.user("anatole.gone@example.com", active=False)
    log_in(page, live_server)

    page.get_by_role("link", name="New configuration").click()
    page.get_by_role("group", name="Event sync direction").get_by_text(
        "Salesforce to mailbox"
    ).click()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Name: this field is required.").is_visible()
    shot(page, "configuration-invalid")
    assert not SyncConfiguration.objects.exists()

    page.locator("#id_name").fill("Sales EMEA")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Configuration 'Sales EMEA' created").wait_for()
    config = SyncConfiguration.objects.get()
    assert config.events_direction == "salesforce_to_mailbox"
    shot(page, "configuration-created")

    search = page.get_by_label("Search Salesforce users and profiles")
    search.press_sequentially("Sales", delay=30)
    page.get_by_role("button", name="Assign profile Sales Manager").click()
    page.get_by_text("Profile Sales Manager assigned to 'Sales EMEA'").wait_for()

    page.get_by_label("Search Salesforce users and profiles").press_sequentially("ana", delay=30)
    user_button = page.get_by_role("button", name="Assign user Ana Núñez")
    user_button.wait_for()
    # Inactive users are never offered.
    assert page.get_by_role("button", name="Assign user Anatole User").count() == 0
    shot(page, "configuration-search")
    user_button.click()
    page.get_by_text("User Ana Núñez (ana.nunez@example.com.sf) assigned").wait_for()

    table = page.locator("#assignment-table")
    assert table.get_by_text("Sales Manager").is_visible()
    assert table.get_by_text("Ana Núñez (ana.nunez@example.com.sf)").is_visible()
    kinds = set(ConfigurationAssignment.objects.values_list("target_type", flat=True))
    assert kinds == {"user", "profile"}
    shot(page, "configuration-assigned")


def test_moving_a_user_to_a_second_configuration_names_the_first(
    page: Any,
    live_server: Any,
    org: Org,  # noqa: F811
) -> None:
    ana = org.user("ana.nunez@example.com", last="Núñez")
    first = configuration("First")
    ConfigurationAssignment.assign(first, "user", ana, "Ana Núñez (ana.nunez@example.com.sf)")
    second = configuration("Second")
    log_in(page, live_server)

    page.goto(f"{live_server.url}/setup/sync-configurations/{second.pk}/")
    page.get_by_label("Search Salesforce users and profiles").press_sequentially("nunez", delay=30)
    result = page.locator("#assign-results")
    result.get_by_text("assigned to First").wait_for()
    page.get_by_role("button", name="Assign user Ana Núñez").click()

    page.get_by_text("was moved from configuration 'First' to 'Second'").wait_for()
    assert ConfigurationAssignment.objects.get().configuration == second
    page.get_by_role("navigation", name="Setup").get_by_role(
        "link", name="Sync configurations"
    ).click()
    rows = page.get_by_role("row")
    assert rows.filter(has_text="First").get_by_role("cell").nth(1).inner_text() == "0"
    assert rows.filter(has_text="Second").get_by_role("cell").nth(1).inner_text() == "1"
    shot(page, "configuration-list")
