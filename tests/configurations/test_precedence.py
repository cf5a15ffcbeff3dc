"""Who is enrolled, by which configuration: resolved against the Salesforce emulator."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mappings.models import ItemMapping
from syncengine.enrollment import DETACHED, resolve_enrollment
from syncengine.models import ConfigurationAssignment, LinkStatus, SyncUser, TargetType
from tests.configurations.conftest import Org, assign_profile, assign_user, configuration

pytestmark = pytest.mark.django_db


def config_of(user_id: str) -> str | None:
    row = SyncUser.objects.select_related("configuration").get(salesforce_user_id=user_id)
    return row.configuration.name if row.configuration else None


def test_an_individual_assignment_beats_the_profile_assignment(org: Org) -> None:
    sales = org.profile("Sales Manager")
    ana = org.user("ana@example.com", profile="Sales Manager")
    bo = org.user("bo@example.com", profile="Sales Manager")
    by_profile, by_name = configuration("Sales team"), configuration("Ana's own")
    assign_profile(by_profile, sales)
    assign_user(by_name, ana)

    result = resolve_enrollment(mailboxes=[])

    assert result.problem == ""
    assert config_of(ana) == "Ana's own"
    assert config_of(bo) == "Sales team"
    # The profile assignment stays: Ana is in both, and syncs by the individual one.
    assert ConfigurationAssignment.configuration_for(ana, sales) == by_name


def test_the_individual_assignment_wins_whichever_was_made_first(org: Org) -> None:
    sales = org.profile("Sales Manager")
    ana = org.user("ana@example.com", profile="Sales Manager")
    by_name, by_profile = configuration("Ana's own"), configuration("Sales team")
    assign_user(by_name, ana)
    assign_profile(by_profile, sales)

    resolve_enrollment(mailboxes=[])

    assert config_of(ana) == "Ana's own"


def test_assigning_a_user_individually_to_a_second_configuration_moves_them_there(
    org: Org, admin_client: Client
) -> None:
    ana = org.user("ana@example.com")
    first, second = configuration("First"), configuration("Second")
    data = {"target_type": "user", "salesforce_id": ana, "label": "Ana User"}
    admin_client.post(f"/setup/sync-configurations/{first.pk}/assign/", data)
    resolve_enrollment(mailboxes=[])
    assert config_of(ana) == "First"

    response = admin_client.post(
        f"/setup/sync-configurations/{second.pk}/assign/", data, follow=True
    )

    assert "User Ana User was moved from configuration &#x27;First&#x27; to &#x27;Second&#x27;" in (
        response.content.decode()
    )
    assert list(ConfigurationAssignment.objects.values_list("configuration__name", flat=True)) == [
        "Second"
    ]
    resolve_enrollment(mailboxes=[])
    assert config_of(ana) == "Second"


def test_a_profile_assigned_to_a_second_configuration_moves_with_all_its_users(org: Org) -> None:
    sales = org.profile("Sales Manager")
    ana = org.user("ana@example.com", profile="Sales Manager")
    first, second = configuration("First"), configuration("Second")
    assign_profile(first, sales)
    assign_profile(second, sales)

    resolve_enrollment(mailboxes=[])

    assert config_of(ana) == "Second"
    assert (
        ConfigurationAssignment.objects.get(target_type=TargetType.PROFILE).configuration == second
    )


def test_only_active_salesforce_users_are_enrolled(org: Org) -> None:
    standard = org.profile("Standard User")
    active = org.user("ana@example.com")
    gone = org.user("former@example.com", active=False)
    named_but_gone = org.user("left@example.com", active=False)
    config = configuration("Everyone")
    assign_profile(config, standard)
    assign_user(config, named_but_gone)

    result = resolve_enrollment(mailboxes=[])

    enrolled = set(SyncUser.objects.values_list("salesforce_user_id", flat=True))
    assert active in enrolled
    assert gone not in enrolled and named_but_gone not in enrolled
    assert result.created == len(enrolled)


def test_a_user_no_longer_assigned_is_detached_and_keeps_its_mappings(org: Org) -> None:
    ana = org.user("ana@example.com")
    config = configuration("Ana's")
    assignment = assign_user(config, ana)
    resolve_enrollment(mailboxes=[])
    row = SyncUser.objects.get(salesforce_user_id=ana)
    ItemMapping.objects.create(
        sync_user=row, kind="contacts", salesforce_id="003A", mailbox_id="m1"
    )

    assignment.delete()
    result = resolve_enrollment(mailboxes=[])

    row.refresh_from_db()
    assert result.detached == 1
    assert row.configuration is None
    assert row.link_error == DETACHED
    assert ItemMapping.objects.filter(sync_user=row).count() == 1


def test_a_user_deactivated_in_salesforce_is_detached(org: Org) -> None:
    ana = org.user("ana@example.com")
    assign_user(configuration("Ana's"), ana)
    resolve_enrollment(mailboxes=[])

    org.emulator.set_user_active(ana, False)
    resolve_enrollment(mailboxes=[])

    assert config_of(ana) is None


def test_users_of_an_inactive_configuration_stay_enrolled_but_paused(org: Org) -> None:
    ana = org.user("ana@example.com")
    assign_user(configuration("Paused", active=False), ana)

    resolve_enrollment(mailboxes=[])

    assert config_of(ana) == "Paused"


def test_nothing_changes_when_salesforce_refuses_the_directory_user(
    org: Org, settings: Any
) -> None:
    ana = org.user("ana@example.com")
    assign_user(configuration("Ana's"), ana)
    resolve_enrollment(mailboxes=[])
    settings.LSYNC_SALESFORCE_DIRECTORY_USER = "nobody@example.com.sf"

    result = resolve_enrollment(mailboxes=[])

    assert "nobody@example.com.sf" in result.problem
    assert config_of(ana) == "Ana's"
    assert SyncUser.objects.get(salesforce_user_id=ana).link_status != LinkStatus.ERROR


def test_assigning_a_user_enrolled_through_a_profile_says_the_individual_one_wins(
    org: Org, admin_client: Client
) -> None:
    sales = org.profile("Sales Manager")
    ana = org.user("ana@example.com", profile="Sales Manager")
    by_profile, by_name = configuration("Sales team"), configuration("Ana's own")
    assign_profile(by_profile, sales)
    resolve_enrollment(mailboxes=[])

    response = admin_client.post(
        f"/setup/sync-configurations/{by_name.pk}/assign/",
        {"target_type": "user", "salesforce_id": ana, "label": "Ana User"},
        follow=True,
    )

    html = response.content.decode().replace("&#x27;", "'")
    assert "User Ana User now syncs by 'Ana's own' instead of 'Sales team'" in html
    assert "an individual assignment beats a profile assignment" in html
    resolve_enrollment(mailboxes=[])
    assert config_of(ana) == "Ana's own"
