from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from mappings.models import (
    ApiUsageSample,
    FeedCursor,
    FeedMark,
    ItemMapping,
    SyncCursor,
    SyncIssue,
    SyncRun,
)
from syncengine.models import (
    ConfigurationAssignment,
    SyncConfiguration,
    TargetType,
)
from syncengine.policy import SyncSettings

pytestmark = pytest.mark.django_db

# Everything a mapping-side row may hold: ids, versions, hashes, bookkeeping.
ALLOWED_FIELDS = {
    ItemMapping: {
        "id", "sync_user", "kind", "salesforce_id", "mailbox_id", "salesforce_version",
        "mailbox_version", "field_hashes", "state", "detached_side", "intents",
        "created_at", "updated_at",
    },
    SyncCursor: {"id", "sync_user", "kind", "side", "value", "updated_at"},
    SyncRun: {
        "id", "sync_user", "kind", "started_at", "finished_at", "status", "counts",
        "api_calls", "salesforce_api_calls", "salesforce_limits", "message", "issues", "delays",
    },
    FeedCursor: {
        "id", "kind", "value", "read_at", "lease_owner", "lease_expires_at", "updated_at",
    },
    FeedMark: {"id", "sync_user", "kind", "marked_at", "read_at"},
    ApiUsageSample: {"id", "taken_at", "used", "daily_limit", "feed_calls"},
    SyncIssue: {
        "id", "sync_user", "kind", "run", "side", "item_id", "code", "message", "retryable",
        "created_at", "resolved_at", "ignored", "retry_requested",
    },
}  # fmt: skip
CONTENT_WORDS = (
    "secret", "password", "token", "key", "subject", "body", "name", "email", "phone",
    "address", "title", "company", "location", "description", "attendee", "note",
)  # fmt: skip


@pytest.mark.parametrize("model", list(ALLOWED_FIELDS), ids=lambda m: m.__name__)
def test_mapping_models_hold_no_secret_or_content_fields(model: type) -> None:
    names = {f.name for f in model._meta.get_fields()}  # type: ignore[attr-defined]
    assert names == ALLOWED_FIELDS[model]
    own = {f.name for f in model._meta.concrete_fields}  # type: ignore[attr-defined]
    assert not [n for n in own if any(word in n for word in CONTENT_WORDS)]


def test_mappings_app_never_imports_the_engine() -> None:
    root = Path(__file__).resolve().parents[2] / "mappings"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("syncengine"), path
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("syncengine") for a in node.names), path


def test_configuration_gives_engine_settings_per_kind() -> None:
    config = SyncConfiguration.objects.create(
        name="EMEA",
        contacts_direction="salesforce_to_mailbox",
        events_direction="both",
        events_propagate_deletes=False,
        events_sync_private=False,
        events_sync_series=False,
        events_scope="selected",
        conflict_policy="newest",
        mass_delete_percent=10,
        mass_delete_count=25,
    )
    assert config.settings_for("events") == SyncSettings(
        direction="both",
        conflict="newest",
        propagate_deletes=False,
        sync_private=False,
        sync_series=False,
        selected_only=True,
        mass_delete_percent=10,
        mass_delete_count=25,
    )
    contacts = config.settings_for("contacts")
    assert contacts.direction == "salesforce_to_mailbox"
    assert contacts.propagate_deletes and contacts.sync_private and contacts.sync_series
    assert not contacts.selected_only


def test_invitations_are_off_by_default() -> None:
    assert SyncConfiguration.objects.create(name="x").events_send_invitations is False


def test_assigning_a_user_again_moves_them_to_the_newest_configuration() -> None:
    first = SyncConfiguration.objects.create(name="First")
    second = SyncConfiguration.objects.create(name="Second")
    ConfigurationAssignment.assign(first, TargetType.USER, "005000000000001", "Ana")
    ConfigurationAssignment.assign(second, TargetType.USER, "005000000000001", "Ana")
    assignment = ConfigurationAssignment.objects.get(salesforce_id="005000000000001")
    assert assignment.configuration == second
    assert ConfigurationAssignment.objects.count() == 1


def test_a_profile_can_be_assigned_to_only_one_configuration() -> None:
    config = SyncConfiguration.objects.create(name="A")
    other = SyncConfiguration.objects.create(name="B")
    ConfigurationAssignment.objects.create(
        configuration=config, target_type=TargetType.PROFILE, salesforce_id="00e000000000001"
    )
    ConfigurationAssignment.objects.create(
        configuration=other, target_type=TargetType.USER, salesforce_id="00e000000000001"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConfigurationAssignment.objects.create(
            configuration=other, target_type=TargetType.PROFILE, salesforce_id="00e000000000001"
        )


def test_an_individual_assignment_beats_the_profiles() -> None:
    by_profile = SyncConfiguration.objects.create(name="By profile")
    individual = SyncConfiguration.objects.create(name="Individual", active=False)
    ConfigurationAssignment.assign(by_profile, TargetType.PROFILE, "00e000000000001")
    assert ConfigurationAssignment.configuration_for("005A", "00e000000000001") == by_profile
    ConfigurationAssignment.assign(individual, TargetType.USER, "005A")
    assert ConfigurationAssignment.configuration_for("005A", "00e000000000001") == individual
    assert ConfigurationAssignment.configuration_for("005B", "00e000000000001") == by_profile
    assert ConfigurationAssignment.configuration_for("005B") is None


def test_the_sync_state_tables_use_the_engines_kinds_and_sides() -> None:
    # mappings may not import the engine, so its choices are spelled out there: this keeps them
    # the engine's, value for value and label for label.
    from mappings.models import Kind, Side
    from syncengine.vocabulary import KIND_LABELS, SIDE_LABELS, choices

    assert Kind.choices == choices(KIND_LABELS)
    assert Side.choices == choices(SIDE_LABELS)
