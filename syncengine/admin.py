"""Configurations and enrolled users in the admin (editable until the configuration pages exist)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from syncengine import operations
from syncengine.models import (
    NOT_APPLIED,
    ConfigurationAssignment,
    KindStatus,
    SyncConfiguration,
    SyncUser,
)


class AssignmentInline(admin.TabularInline):
    model = ConfigurationAssignment
    extra = 0
    fields = ["target_type", "salesforce_id", "label", "assigned_at"]
    readonly_fields = ["assigned_at"]


@admin.register(SyncConfiguration)
class SyncConfigurationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "active",
        "contacts_direction",
        "events_direction",
        "conflict_policy",
        "users",
    ]
    list_filter = ["active", "contacts_direction", "events_direction", "conflict_policy"]
    search_fields = ["name"]
    inlines = [AssignmentInline]
    readonly_fields = list(NOT_APPLIED)
    fieldsets = [
        (None, {"fields": ["name", "active", "conflict_policy"]}),
        (
            "Contacts",
            {"fields": ["contacts_direction", "contacts_ownership", "contacts_soql_filter"]},
        ),
        (
            "Events",
            {
                "fields": [
                    "events_direction",
                    "events_scope",
                    "events_sync_private",
                    "events_sync_series",
                    "events_propagate_deletes",
                    "events_auto_relate",
                    "events_send_invitations",
                    ("events_days_past", "events_days_future"),
                ]
            },
        ),
        ("Guards", {"fields": ["mass_delete_percent", "mass_delete_count"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SyncConfiguration]:
        return super().get_queryset(request).annotate(user_count=Count("sync_users"))

    @admin.display(description="users", ordering="user_count")
    def users(self, obj: Any) -> SafeString:
        url = reverse("admin:syncengine_syncuser_changelist")
        return format_html(
            '<a href="{}?configuration__id__exact={}">{}</a>', url, obj.pk, obj.user_count
        )


@admin.register(ConfigurationAssignment)
class ConfigurationAssignmentAdmin(admin.ModelAdmin):
    list_display = ["target_type", "salesforce_id", "label", "configuration", "assigned_at"]
    list_filter = ["target_type", "configuration"]
    search_fields = ["=salesforce_id", "label"]
    list_select_related = ["configuration"]


def _status(status: str, message: str) -> SafeString:
    # Classes of static/lsync/admin.css: the Content-Security-Policy allows no inline style.
    colour = {
        KindStatus.ERROR: "lsync-admin-error",
        KindStatus.IN_SYNC: "lsync-admin-ok",
    }.get(KindStatus(status), "lsync-admin-quiet")
    label = KindStatus(status).label
    return format_html('<span class="{}" title="{}">{}</span>', colour, message, label)


@admin.register(SyncUser)
class SyncUserAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["lsync/admin.css"]}

    list_display = [
        "email",
        "username",
        "configuration",
        "link_status",
        "contacts",
        "events",
        "next_due_at",
        "backoff_until",
        "runs",
    ]
    list_filter = ["configuration", "link_status", "contacts_status", "events_status"]
    search_fields = ["email", "username", "=salesforce_user_id", "mailbox_address"]
    list_select_related = ["configuration"]
    actions = ["reset_sync", "sync_soon", "approve_guard_once"]
    readonly_fields = [
        "contacts_status",
        "contacts_message",
        "contacts_progress",
        "contacts_synced_at",
        "events_status",
        "events_message",
        "events_progress",
        "events_synced_at",
        "lease_owner",
        "lease_expires_at",
        "backoff_until",
        "consecutive_failures",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="contacts", ordering="contacts_status")
    def contacts(self, obj: SyncUser) -> SafeString:
        return _status(obj.contacts_status, obj.contacts_message)

    @admin.display(description="events", ordering="events_status")
    def events(self, obj: SyncUser) -> SafeString:
        return _status(obj.events_status, obj.events_message)

    @admin.display(description="history")
    def runs(self, obj: SyncUser) -> SafeString:
        runs = reverse("admin:mappings_syncrun_changelist")
        issues = reverse("admin:mappings_syncissue_changelist")
        return format_html(
            '<a href="{}?sync_user__id__exact={}">runs</a> · '
            '<a href="{}?sync_user__id__exact={}&open=open">issues</a>',
            runs,
            obj.pk,
            issues,
            obj.pk,
        )

    @admin.action(description="Reset sync (forget links and cursors)", permissions=["change"])
    def reset_sync(self, request: HttpRequest, queryset: QuerySet[SyncUser]) -> None:
        outcome = operations.reset_sync(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"Reset {len(outcome.reset)} user(s): {outcome.links} link(s) forgotten. The next "
            "run lists both sides and matches items again before creating anything.",
            messages.SUCCESS,
        )
        if outcome.busy:
            self.message_user(
                request,
                f"{len(outcome.busy)} user(s) are syncing right now and were not reset; "
                "reset them again when the run is over.",
                messages.WARNING,
            )

    @admin.action(description="Sync soon", permissions=["change"])
    def sync_soon(self, request: HttpRequest, queryset: QuerySet[SyncUser]) -> None:
        count = operations.sync_soon(queryset)
        self.message_user(request, f"{count} user(s) will sync within a minute.")

    @admin.action(
        description="Let the next run pass a tripped guard (once)", permissions=["change"]
    )
    def approve_guard_once(self, request: HttpRequest, queryset: QuerySet[SyncUser]) -> None:
        count = operations.approve_guard_once(queryset)
        self.message_user(request, f"{count} user(s) approved for one run.", messages.WARNING)
