"""Issue 12 item 1, the wiring test: every field of every configuration and connection model is
listed here with the test that shows it changing behaviour, so that no setting is saved and
never read again. A new field without an entry fails this suite; so does an entry naming a test
that does not exist.

The kinds of entry:
- WIRED: the tests (``path::function``) that show what the field does;
- RECORDS: fields that hold a fact rather than a setting (keys, timestamps), with the reason;
- the configuration's NOT_APPLIED fields (syncengine/models.py): kept for a later release, offered
  by no page (the admin shows them read-only), with the reason;
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest
from django.db import models

from connections.models import MailConnection, SalesforceConnection
from syncengine.models import NOT_APPLIED, ConfigurationAssignment, SyncConfiguration

ROOT = Path(__file__).resolve().parent.parent
MODELS: tuple[type[models.Model], ...] = (
    SyncConfiguration,
    ConfigurationAssignment,
    SalesforceConnection,
    MailConnection,
)

PLANNER = "tests/syncengine/test_planner_table.py"
MODELS_TEST = (
    "tests/engine_django/test_models.py::test_configuration_gives_engine_settings_per_kind"
)
PAGE_TEST = "tests/connections/test_test_connection_page.py"

WIRED: dict[str, tuple[str, ...]] = {
    # SyncConfiguration
    "SyncConfiguration.assignments": (
        "tests/engine_django/test_models.py::test_an_individual_assignment_beats_the_profiles",
    ),
    "SyncConfiguration.sync_users": (
        "tests/configurations/test_precedence.py::test_a_user_no_longer_assigned_is_detached_and_keeps_its_mappings",
    ),
    "SyncConfiguration.name": (
        "tests/configurations/test_pages.py::test_a_second_configuration_may_not_take_an_existing_name",
    ),
    "SyncConfiguration.name_key": (
        "tests/configurations/test_pages.py::test_configuration_names_are_unique_without_regard_to_case_non_ascii_too",
    ),
    "SyncConfiguration.active": (
        "tests/configurations/test_precedence.py::test_users_of_an_inactive_configuration_stay_enrolled_but_paused",
        "tests/engine_django/test_service.py::test_users_without_an_active_configuration_or_with_a_kind_off_are_skipped",
    ),
    "SyncConfiguration.contacts_direction": (
        MODELS_TEST,
        f"{PLANNER}::m3_change_that_does_not_flow_is_kept_on_its_side",
    ),
    "SyncConfiguration.contacts_ownership": (
        "tests/providers/salesforce/test_contact_store.py::test_it_lists_only_the_users_own_contacts_unless_configured_for_all_visible",
    ),
    "SyncConfiguration.contacts_soql_filter": (
        "tests/providers/salesforce/test_contact_store.py::test_the_extra_soql_filter_is_anded_and_a_contact_leaving_it_is_reported_deleted",
        "tests/providers/salesforce/test_issue12_item1_filter.py::test_item1_a_contact_made_in_the_folder_outside_the_filter_is_never_deleted_from_it",
    ),
    "SyncConfiguration.events_direction": (
        "tests/engine_django/test_service.py::test_users_without_an_active_configuration_or_with_a_kind_off_are_skipped",
    ),
    "SyncConfiguration.events_scope": (
        MODELS_TEST,
        "tests/syncengine/test_planner_selection.py::s4_an_unselected_mailbox_event_is_removed_from_salesforce_like_a_deletion",
        "tests/configurations/test_event_selection_form.py::test_only_events_users_select_is_offered_and_saved",
    ),
    "SyncConfiguration.events_select_category": (
        "tests/providers/microsoft/test_event_selection.py::test_only_events_with_the_configured_category_are_selected",
        "tests/providers/exchange/test_selection_and_meetings.py::test_only_events_with_the_configured_category_are_selected",
    ),
    "SyncConfiguration.events_select_color": (
        "tests/providers/google/test_event_selection.py::test_only_events_with_the_configured_colour_are_selected",
    ),
    "SyncConfiguration.events_outside_meetings": (
        "tests/syncengine/test_planner_meetings.py::o2_an_invitation_from_outside_stays_out_when_switched_off",
        "tests/syncengine/test_planner_meetings.py::o3_an_invitation_from_outside_becomes_one_salesforce_event",
    ),
    "SyncConfiguration.events_auto_relate": (
        "tests/providers/salesforce/test_auto_relate.py::test_on_the_event_names_the_matching_contact_and_relates_to_its_account",
        "tests/providers/salesforce/test_auto_relate.py::test_off_the_event_is_related_to_nothing_but_invitees_still_mirror_attendees",
        "tests/providers/salesforce/test_auto_relate_shared.py::test_every_contact_attendee_is_related_and_the_first_is_the_name",
        "tests/providers/salesforce/test_auto_relate_shared.py::test_off_nothing_is_related_and_invitees_still_mirror_attendees",
    ),
    "SyncConfiguration.events_sync_private": (
        MODELS_TEST,
        f"{PLANNER}::s1_private_item_does_not_flow_but_receives_changes",
    ),
    "SyncConfiguration.events_sync_series": (
        MODELS_TEST,
        f"{PLANNER}::s1_series_not_synced_when_switched_off",
    ),
    "SyncConfiguration.events_propagate_deletes": (
        MODELS_TEST,
        f"{PLANNER}::d5_event_delete_does_not_propagate_when_switched_off",
    ),
    "SyncConfiguration.events_send_invitations": (
        "tests/providers/microsoft/test_adapters.py::test_the_configuration_decides_window_and_invitations",
        "tests/providers/google/test_stores.py::test_writes_send_no_invitations_unless_the_configuration_says_so",
    ),
    "SyncConfiguration.events_days_past": (
        "tests/providers/salesforce/test_event_store.py::test_it_lists_the_users_events_in_the_configured_window",
        "tests/providers/microsoft/test_adapters.py::test_the_configuration_decides_window_and_invitations",
    ),
    "SyncConfiguration.events_days_future": (
        "tests/providers/salesforce/test_event_store.py::test_it_lists_the_users_events_in_the_configured_window",
        "tests/providers/microsoft/test_adapters.py::test_the_configuration_decides_window_and_invitations",
    ),
    "SyncConfiguration.conflict_policy": (
        MODELS_TEST,
        f"{PLANNER}::m6_conflict_goes_to_the_policy",
    ),
    "SyncConfiguration.mass_delete_percent": (
        MODELS_TEST,
        "tests/syncengine/test_guards.py::test_g3_a_share_above_the_percentage_stops_the_run",
    ),
    "SyncConfiguration.mass_delete_count": (
        MODELS_TEST,
        "tests/engine_django/test_service.py::test_a_tripped_guard_stops_the_run_until_an_admin_approves_it_once",
    ),
    # ConfigurationAssignment
    "ConfigurationAssignment.configuration": (
        "tests/configurations/test_precedence.py::test_assigning_a_user_individually_to_a_second_configuration_moves_them_there",
    ),
    "ConfigurationAssignment.target_type": (
        "tests/configurations/test_precedence.py::test_an_individual_assignment_beats_the_profile_assignment",
    ),
    "ConfigurationAssignment.salesforce_id": (
        "tests/configurations/test_precedence.py::test_a_profile_assigned_to_a_second_configuration_moves_with_all_its_users",
    ),
    "ConfigurationAssignment.label": (
        "tests/configurations/test_pages.py::test_the_list_shows_assignments_and_directions",
    ),
    # SalesforceConnection
    "SalesforceConnection.login_url": (
        "tests/providers/salesforce/test_client.py::test_the_audience_follows_the_login_url",
    ),
    "SalesforceConnection.consumer_key": (
        f"{PAGE_TEST}::test_an_unknown_consumer_key_turns_a_verified_connection_to_error",
    ),
    "SalesforceConnection.private_key": (
        "tests/providers/salesforce/test_client.py::test_the_assertion_names_the_app_the_user_and_expires_within_three_minutes",
    ),
    "SalesforceConnection.private_key_fingerprint": (
        "tests/connections/test_salesforce_page.py::test_a_valid_key_is_stored_encrypted_and_only_its_fingerprint_shows",
    ),
    "SalesforceConnection.api_version": (
        "tests/providers/salesforce/test_issue12_item1_filter.py::test_item1_the_api_version_setting_is_the_version_lsync_calls",
    ),
    "SalesforceConnection.api_budget_percent": (
        "tests/console/test_api_budget.py::test_above_the_admins_share_reconciles_wait_longer",
        "tests/connections/test_salesforce_page.py::test_the_admin_sets_the_share_without_unverifying_the_connection",
    ),
    "SalesforceConnection.status": (
        f"{PAGE_TEST}::test_a_user_not_pre_authorized_is_told_how_and_the_connection_marked_error",
    ),
    "SalesforceConnection.status_message": (
        f"{PAGE_TEST}::test_a_user_not_pre_authorized_is_told_how_and_the_connection_marked_error",
    ),
    "SalesforceConnection.verified_at": (
        f"{PAGE_TEST}::test_a_user_not_pre_authorized_is_told_how_and_the_connection_marked_error",
    ),
    "SalesforceConnection.updated_at": (
        f"{PAGE_TEST}::test_a_result_is_not_recorded_when_the_settings_changed_during_the_test",
    ),
    # MailConnection
    "MailConnection.sync_users": (
        "tests/configurations/test_issue12_item2_unlinked_users_never_sync.py::test_item2_a_linked_user_records_the_connection_it_was_linked_through",
        "tests/configurations/test_issue12_item7_outlook_switch.py::test_item7_enrollment_then_links_through_the_new_method_and_resets_old_links",
    ),
    "MailConnection.method": (
        "tests/configurations/test_issue12_item7_outlook_switch.py::test_item7_a_connection_without_a_sync_store_fails_with_a_sentence_not_a_crash",
    ),
    "MailConnection.enabled": (
        "tests/issue12/test_item1_sync_kinds.py::test_item1_a_connection_no_longer_in_use_stops_its_users_saying_why",
    ),
    "MailConnection.chosen": (
        "tests/configurations/test_issue12_item7_outlook_switch.py::test_item7_switching_says_what_happens_and_the_users_wait_with_their_reason",
    ),
    "MailConnection.sync_kinds": (
        "tests/issue12/test_item1_sync_kinds.py::test_item1_contacts_only_stops_events",
        "tests/issue12/test_item1_sync_kinds.py::test_item1_events_only_stops_contacts",
    ),
    "MailConnection.username": (
        "tests/configurations/test_link_errors.py::test_exchange_honours_the_service_account_domain_and_additional_domains",
    ),
    "MailConnection.additional_domains": (
        "tests/configurations/test_link_errors.py::test_exchange_honours_the_service_account_domain_and_additional_domains",
    ),
    "MailConnection.password": (
        "tests/providers/exchange/test_stored_settings.py::test_the_stored_password_is_the_one_the_store_signs_in_with",
    ),
    "MailConnection.dav_url_template": (
        "tests/providers/caldav/test_end_to_end.py::test_the_stored_url_template_is_where_the_store_connects",
    ),
    "MailConnection.dav_auth": (
        "tests/providers/caldav/test_end_to_end.py::test_with_app_passwords_per_user_the_store_signs_in_as_the_user_and_finds_her_principal",
    ),
    "MailConnection.dav_user_passwords": (
        "tests/providers/caldav/test_end_to_end.py::test_a_user_without_an_app_password_is_refused_with_a_sentence_naming_them",
    ),
    "MailConnection.ews_url": (
        "tests/providers/exchange/test_stored_settings.py::test_the_stored_ews_url_is_where_the_store_connects",
    ),
    "MailConnection.auth_basic": (
        "tests/providers/exchange/test_stored_settings.py::test_basic_on_signs_in_with_basic_and_fails_where_the_server_allows_only_ntlm",
    ),
    "MailConnection.auth_ntlm": (
        "tests/providers/exchange/test_stored_settings.py::test_ntlm_alone_signs_in_with_ntlm_where_the_server_allows_only_ntlm",
    ),
    "MailConnection.tenant_id": (
        "tests/providers/microsoft/test_adapters.py::test_without_consent_the_store_says_how_to_connect",
        "tests/providers/microsoft/test_checks.py::test_the_stored_tenant_is_used_when_none_is_given",
    ),
    "MailConnection.service_account_key": (
        "tests/providers/google/test_stores.py::test_build_store_with_a_broken_key_says_to_upload_it_again",
        "tests/providers/google/test_stores.py::test_build_store_without_a_key_says_what_to_do",
    ),
    "MailConnection.client_email": (
        "tests/connections/test_google_page.py::test_a_service_account_key_is_stored_encrypted_and_summarised",
    ),
    "MailConnection.private_key_id": (
        "tests/connections/test_google_page.py::test_a_service_account_key_is_stored_encrypted_and_summarised",
    ),
    "MailConnection.status": (
        f"{PAGE_TEST}::test_missing_consent_gives_the_consent_message_and_marks_it_error",
        "tests/connections/test_outlook_page.py::test_a_service_account_is_saved_with_its_password_encrypted",
    ),
    "MailConnection.status_message": (
        f"{PAGE_TEST}::test_missing_consent_gives_the_consent_message_and_marks_it_error",
    ),
    "MailConnection.verified_at": (
        f"{PAGE_TEST}::test_a_passing_microsoft_test_opens_the_mailbox_and_marks_it_verified",
    ),
    "MailConnection.updated_at": (
        f"{PAGE_TEST}::test_a_result_is_not_recorded_when_the_settings_changed_during_the_test",
    ),
}

RECORDS: dict[str, str] = {
    "SyncConfiguration.id": "the key pages and assignments refer to",
    "SyncConfiguration.created_at": "when it was made (admin)",
    "SyncConfiguration.updated_at": "when it last changed (admin)",
    "ConfigurationAssignment.id": "the key",
    "ConfigurationAssignment.assigned_at": "when it was made or moved (admin)",
    "SalesforceConnection.id": "always 1: there is one Salesforce org",
    "MailConnection.id": "the key; a connection is found by its unique method",
    "MailConnection.consented_at": "when a Global Administrator consented (admin, audit)",
}


def every_field() -> set[str]:
    return {f"{m.__name__}.{f.name}" for m in MODELS for f in m._meta.get_fields()}


def not_applied() -> dict[str, str]:
    return {f"SyncConfiguration.{name}": reason for name, reason in NOT_APPLIED.items()}


def listed() -> dict[str, str]:
    entries: dict[str, str] = {**RECORDS, **not_applied()}
    return entries


@cache
def top_level_names(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


def test_every_setting_field_is_listed_with_the_test_that_shows_it_working() -> None:
    fields = every_field()
    missing = sorted(fields - set(WIRED) - set(listed()))
    assert not missing, (
        "fields without an entry in tests/test_settings_wiring.py (add the test that shows each "
        f"changing behaviour): {missing}"
    )
    stale = sorted((set(WIRED) | set(RECORDS)) - fields)
    assert not stale, f"entries for fields that no longer exist: {stale}"


def test_a_field_is_listed_once() -> None:
    kinds = [set(WIRED), set(RECORDS), set(not_applied())]
    for i, one in enumerate(kinds):
        for other in kinds[i + 1 :]:
            assert not one & other, f"listed twice: {sorted(one & other)}"


def test_every_field_waiting_or_kept_says_why() -> None:
    for name, reason in listed().items():
        assert len(reason.split()) >= 2, name


@pytest.mark.parametrize("field", sorted(WIRED))
def test_every_wired_field_names_tests_that_exist(field: str) -> None:
    assert WIRED[field], field
    for ref in WIRED[field]:
        path, _, name = ref.partition("::")
        assert (ROOT / path).is_file(), f"{field}: no file {path}"
        assert name in top_level_names(path), f"{field}: {path} has no {name}"


def test_settings_lsync_does_not_apply_are_not_offered() -> None:
    from django.contrib import admin

    from lsync_site.configurations.forms import ConfigurationForm

    form_fields = set(ConfigurationForm.base_fields)
    config_admin = admin.site._registry[SyncConfiguration]
    for name in NOT_APPLIED:
        assert name not in form_fields, name
        assert name in config_admin.readonly_fields, name
