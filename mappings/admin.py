"""Sync state in the admin: an operations console, read-only except for the actions."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mappings.models import ItemMapping, SyncCursor, SyncIssue, SyncRun, UnresolvedItem


def _user_link(obj: Any) -> SafeString:
    url = reverse("admin:syncengine_syncuser_change", args=[obj.sync_user_id])
    return format_html('<a href="{}">{}</a>', url, obj.sync_user)


class ReadOnlyAdmin(admin.ModelAdmin):
    list_select_related = ["sync_user"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="user", ordering="sync_user__email")
    def user(self, obj: Any) -> SafeString:
        return _user_link(obj)


@admin.register(ItemMapping)
class ItemMappingAdmin(ReadOnlyAdmin):
    list_display = [
        "salesforce_short",
        "mailbox_short",
        "user",
        "kind",
        "state",
        "detached_side",
        "writing",
        "updated_at",
    ]
    list_filter = [
        "state",
        "kind",
        "detached_side",
        ("sync_user", admin.RelatedOnlyFieldListFilter),
    ]
    # Each filter choice shows how many mappings it holds: "how many are detached?" at a glance.
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["=salesforce_id", "=mailbox_id", "sync_user__email"]
    actions = ["unlink"]

    @admin.display(description="Salesforce id", ordering="salesforce_id")
    def salesforce_short(self, obj: ItemMapping) -> str:
        return obj.salesforce_id or "(not created yet)"

    @admin.display(description="write under way", boolean=True)
    def writing(self, obj: ItemMapping) -> bool:
        return bool(obj.intents)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Deleting a mapping is what unlinking means; one name for it is enough.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="mailbox id")
    def mailbox_short(self, obj: ItemMapping) -> str:
        mailbox_id = obj.mailbox_id or ""
        return mailbox_id if len(mailbox_id) <= 40 else f"{mailbox_id[:37]}…"

    @admin.action(
        description="Unlink: forget that these items are the same", permissions=["delete"]
    )
    def unlink(self, request: HttpRequest, queryset: QuerySet[ItemMapping]) -> None:
        count, _ = queryset.delete()
        self.message_user(
            request,
            f"Unlinked {count} item(s). Both copies stay; they are matched again on their "
            "next change.",
            messages.SUCCESS,
        )


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "side", "updated_at"]
    list_filter = [("sync_user", admin.RelatedOnlyFieldListFilter), "kind", "side"]
    search_fields = ["sync_user__email"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "user", "kind", "status", "summary", "api_calls", "duration"]
    list_filter = ["status", "kind", ("sync_user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["sync_user__email", "sync_user__salesforce_user_id"]
    date_hierarchy = "started_at"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="changes")
    def summary(self, obj: SyncRun) -> str:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in sorted(obj.counts.items()) if v]
        return ", ".join(parts) or "nothing"

    @admin.display(description="took")
    def duration(self, obj: SyncRun) -> str:
        if obj.finished_at is None:
            return "running"
        return f"{(obj.finished_at - obj.started_at).total_seconds():.1f} s"


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("resolved", "Resolved"), ("ignored", "Ignored")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True, ignored=False)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        if self.value() == "ignored":
            return queryset.filter(ignored=True)
        return queryset


@admin.register(SyncIssue)
class SyncIssueAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "side", "code", "message", "retryable", "state"]
    list_filter = [
        OpenFilter,
        "kind",
        "side",
        "code",
        "retryable",
        ("sync_user", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=item_id", "sync_user__email", "code"]
    actions = ["retry", "ignore"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        # The change form is off, but resolving issues is what this page is for.
        return request.user.has_perm("mappings.change_syncissue")

    @admin.display(description="state")
    def state(self, obj: SyncIssue) -> str:
        if obj.ignored:
            return "ignored"
        if obj.resolved_at:
            return "resolved"
        return "retry requested" if obj.retry_requested else "open"

    @admin.action(description="Retry on the next run", permissions=["resolve"])
    def retry(self, request: HttpRequest, queryset: QuerySet[SyncIssue]) -> None:
        open_issues = queryset.filter(resolved_at__isnull=True)
        count = open_issues.update(retry_requested=True, ignored=False)
        user_ids = set(open_issues.values_list("sync_user_id", flat=True))
        # Make the users due now so the retry does not wait for the next interval.
        sync_user = apps.get_model("syncengine", "SyncUser")
        sync_user.objects.filter(pk__in=user_ids).update(
            next_due_at=timezone.now(), backoff_until=None
        )
        self.message_user(request, f"{count} issue(s) will be retried.", messages.SUCCESS)

    @admin.action(description="Ignore", permissions=["resolve"])
    def ignore(self, request: HttpRequest, queryset: QuerySet[SyncIssue]) -> None:
        count = queryset.filter(resolved_at__isnull=True).update(
            ignored=True, retry_requested=False
        )
        self.message_user(request, f"{count} issue(s) ignored.", messages.SUCCESS)


@admin.register(UnresolvedItem)
class UnresolvedItemAdmin(ReadOnlyAdmin):
    """Browsing only: picking a record or creating the Account happens on the status pages,
    which ask Salesforce as the user."""

    list_display = ["user", "kind", "reason", "value", "salesforce_id", "created_at", "resolved_at"]
    list_filter = [
        ("sync_user", admin.RelatedOnlyFieldListFilter),
        "kind",
        "reason",
        "ignored",
        ("resolved_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["=salesforce_id", "value", "sync_user__email"]
    list_select_related = ["sync_user"]
