"""Sync configurations, their assignments, and the Salesforce users enrolled through them."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from syncengine.policy import SyncSettings
from syncengine.vocabulary import (
    CONFLICT_LABELS,
    DIRECTION_LABELS,
    KINDS,
    Direction,
    Kind,
    as_conflict_policy,
    as_direction,
    choices,
)

__all__ = ["KINDS"]  # defined in syncengine.vocabulary


class OwnershipFilter(models.TextChoices):
    MINE = "mine", "My records"
    VISIBLE = "visible", "All records I can see"


class EventScope(models.TextChoices):
    ALL = "all", "All events"
    SELECTED = "selected", "Only events users select"


class EventColor(models.TextChoices):
    """Google Calendar's event colours, by the colorId its API stores on an event (the names
    are the ones Google Calendar shows in its colour menu)."""

    LAVENDER = "1", "Lavender"
    SAGE = "2", "Sage"
    GRAPE = "3", "Grape"
    FLAMINGO = "4", "Flamingo"
    BANANA = "5", "Banana"
    TANGERINE = "6", "Tangerine"
    PEACOCK = "7", "Peacock"
    GRAPHITE = "8", "Graphite"
    BLUEBERRY = "9", "Blueberry"
    BASIL = "10", "Basil"
    TOMATO = "11", "Tomato"


DEFAULT_SELECT_CATEGORY = "Salesforce"


def name_key(name: str) -> str:
    """A configuration name as uniqueness sees it: spaces collapsed, Unicode-normalized and
    case-folded, so "Équipe Nord" and "équipe  nord" are one name. Computed here rather than
    with Lower() in the database: SQLite's lower() folds ASCII letters only."""
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


class SyncConfiguration(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # Derived from name on every save (never edited): the constraint behind "names are unique
    # without regard to case", which the form checks first to name the field.
    name_key = models.CharField(max_length=400, unique=True, editable=False)
    active = models.BooleanField(default=True)

    contacts_direction = models.CharField(
        max_length=32, choices=choices(DIRECTION_LABELS), default="both"
    )
    contacts_ownership = models.CharField(
        max_length=16, choices=OwnershipFilter.choices, default=OwnershipFilter.MINE
    )
    contacts_soql_filter = models.TextField(
        blank=True, help_text="Extra SOQL condition on Contact, e.g. MailingCountry = 'FR'."
    )

    events_direction = models.CharField(
        max_length=32, choices=choices(DIRECTION_LABELS), default="both"
    )
    events_scope = models.CharField(
        max_length=16, choices=EventScope.choices, default=EventScope.ALL
    )
    # How a user marks an event for "only events users select" (docs/event-selection.md).
    events_select_category = models.CharField(
        "Outlook category", max_length=255, blank=True, default=DEFAULT_SELECT_CATEGORY
    )
    events_select_color = models.CharField(
        "Google Calendar colour", max_length=2, choices=EventColor.choices, default=EventColor.GRAPE
    )
    events_sync_private = models.BooleanField("sync private events", default=True)
    events_sync_series = models.BooleanField("sync recurring events (series)", default=True)
    events_propagate_deletes = models.BooleanField("propagate event deletions", default=True)
    events_outside_meetings = models.BooleanField(
        "sync meetings organized by people who do not sync", default=True
    )
    events_auto_relate = models.BooleanField("relate events to contacts and leads", default=True)
    # Off by default: Graph e-mails every attendee on create or update (gotcha #8).
    events_send_invitations = models.BooleanField("send invitations to attendees", default=False)
    events_days_past = models.PositiveIntegerField(default=30)
    events_days_future = models.PositiveIntegerField(default=365)

    conflict_policy = models.CharField(
        max_length=16, choices=choices(CONFLICT_LABELS), default="salesforce"
    )
    mass_delete_percent = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Refuse a run that would delete more than this share of a side's items.",
    )
    mass_delete_count = models.PositiveIntegerField(
        default=200, help_text="Refuse a run that would delete more than this many items."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def direction_for(self, kind: Kind) -> Direction:
        return as_direction(
            self.contacts_direction if kind == "contacts" else self.events_direction
        )

    def selection_category(self) -> str | None:
        """The Outlook category that marks an event for Salesforce; None when every event syncs."""
        if self.events_scope != EventScope.SELECTED:
            return None
        return " ".join(self.events_select_category.split()) or DEFAULT_SELECT_CATEGORY

    def selection_color(self) -> str | None:
        """The Google colorId that marks an event for Salesforce; None when every event syncs."""
        return self.events_select_color if self.events_scope == EventScope.SELECTED else None

    def settings_for(self, kind: Kind, mailbox: str = "") -> SyncSettings:
        """The engine's settings; `mailbox`: the address of the user they are for (meetings)."""
        is_events = kind == "events"
        return SyncSettings(
            direction=self.direction_for(kind),
            conflict=as_conflict_policy(self.conflict_policy),
            # A contact leaving the scope leaves the sync folder, never Salesforce; the
            # engine decides that, so contacts always follow deletions.
            propagate_deletes=self.events_propagate_deletes if is_events else True,
            sync_private=self.events_sync_private if is_events else True,
            sync_series=self.events_sync_series if is_events else True,
            selected_only=is_events and self.events_scope == EventScope.SELECTED,
            outside_meetings=self.events_outside_meetings if is_events else True,
            syncing=syncing_addresses() if is_events else frozenset(),
            mailbox=mailbox.strip().lower(),
            mass_delete_percent=self.mass_delete_percent,
            mass_delete_count=self.mass_delete_count,
        )


# Fields kept for a later release but not applied yet: no page offers them (the admin shows them
# read-only), so nothing claims a behaviour lsync does not have. tests/test_settings_wiring.py
# holds every other field to a test that shows it changing behaviour.
NOT_APPLIED: dict[str, str] = {}


def syncing_addresses() -> frozenset[str]:
    """The mailbox addresses of every linked sync user (one query): an invitation organized by
    one of them is that user's Salesforce event, never a second one (docs/meetings.md)."""
    rows = SyncUser.objects.filter(link_status=LinkStatus.LINKED).exclude(mailbox_address="")
    return frozenset(a.strip().lower() for a in rows.values_list("mailbox_address", flat=True))


class TargetType(models.TextChoices):
    USER = "user", "User"
    PROFILE = "profile", "Profile"


class ConfigurationAssignment(models.Model):
    configuration = models.ForeignKey(
        SyncConfiguration, on_delete=models.CASCADE, related_name="assignments"
    )
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    salesforce_id = models.CharField(max_length=18)
    label = models.CharField(max_length=255, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One configuration per user or profile: assigning again moves it (newest wins).
            models.UniqueConstraint(
                fields=["target_type", "salesforce_id"], name="one_configuration_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_target_type_display()} {self.label or self.salesforce_id}"

    @classmethod
    def assign(
        cls,
        configuration: SyncConfiguration,
        target_type: str,
        salesforce_id: str,
        label: str = "",
    ) -> ConfigurationAssignment:
        """Assigns the target to `configuration`, taking it away from any other one."""
        assignment, _ = cls.objects.update_or_create(
            target_type=target_type,
            salesforce_id=salesforce_id,
            defaults={
                "configuration": configuration,
                "label": label,
                "assigned_at": timezone.now(),
            },
        )
        return assignment

    @classmethod
    def configuration_for(
        cls, user_id: str, profile_id: str | None = None
    ) -> SyncConfiguration | None:
        """The configuration a Salesforce user syncs by: an individual assignment beats the
        profile's. Inactive configurations still count: they pause the user, not reassign them."""
        rows = cls.objects.select_related("configuration").filter(
            models.Q(target_type=TargetType.USER, salesforce_id=user_id)
            | models.Q(target_type=TargetType.PROFILE, salesforce_id=profile_id or "")
        )
        by_type = {row.target_type: row.configuration for row in rows}
        return by_type.get(TargetType.USER) or by_type.get(TargetType.PROFILE)


class LinkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    LINKED = "linked", "Linked"
    ERROR = "error", "Error"


class KindStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    INITIAL_SYNC = "initial_sync", "Initial sync"
    IN_SYNC = "in_sync", "In sync"
    ERROR = "error", "Error"


class SyncUser(models.Model):
    configuration = models.ForeignKey(
        SyncConfiguration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_users",
    )
    salesforce_user_id = models.CharField(max_length=18, unique=True)
    username = models.CharField(max_length=255)
    email = models.EmailField()
    mailbox_address = models.EmailField(blank=True)
    # The mail connection this user syncs with (routed by the domain of its address at
    # enrollment); a lazy reference, so the engine does not import the connections app.
    mail_connection = models.ForeignKey(
        "connections.MailConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_users",
    )
    link_status = models.CharField(
        max_length=8, choices=LinkStatus.choices, default=LinkStatus.PENDING
    )
    link_error = models.TextField(blank=True)
    # The connection the mailbox was linked through: a sync uses it and nothing else, so a
    # switch of the Outlook method or a second connection never reroutes a user by guessing.
    mail_connection = models.ForeignKey(
        "connections.MailConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_users",
    )

    contacts_status = models.CharField(
        max_length=16, choices=KindStatus.choices, default=KindStatus.NOT_STARTED
    )
    contacts_message = models.TextField(blank=True)
    contacts_progress = models.PositiveSmallIntegerField(default=0)
    contacts_synced_at = models.DateTimeField(null=True, blank=True)
    contacts_guard_approved = models.BooleanField(
        default=False, help_text="Let the next contacts run pass a tripped guard, once."
    )
    events_status = models.CharField(
        max_length=16, choices=KindStatus.choices, default=KindStatus.NOT_STARTED
    )
    events_message = models.TextField(blank=True)
    events_progress = models.PositiveSmallIntegerField(default=0)
    events_synced_at = models.DateTimeField(null=True, blank=True)
    events_guard_approved = models.BooleanField(
        default=False, help_text="Let the next events run pass a tripped guard, once."
    )

    next_due_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    backoff_until = models.DateTimeField(null=True, blank=True)
    # A provider's Retry-After: unlike our own back-off, "Sync now" does not lift it.
    throttled_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["next_due_at"], name="syncuser_next_due")]

    def __str__(self) -> str:
        return self.email or self.username

    def kind_status(self, kind: Kind) -> str:
        return str(getattr(self, f"{kind}_status"))

    def guard_approved(self, kind: Kind) -> bool:
        return bool(getattr(self, f"{kind}_guard_approved"))
