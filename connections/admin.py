"""Read-only admin views. Encrypted fields are never shown; the setup pages edit connections."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from connections.models import AuditEntry, MailConnection, SalesforceConnection, mask


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SalesforceConnection)
class SalesforceConnectionAdmin(ReadOnlyAdmin):
    list_display = ("login_url", "consumer_key", "private_key_fingerprint", "api_version", "status")
    exclude = ("private_key",)
    readonly_fields = (
        "login_url",
        "consumer_key",
        "private_key_fingerprint",
        "api_version",
        "status",
        "status_message",
        "verified_at",
        "updated_at",
    )


@admin.register(MailConnection)
class MailConnectionAdmin(ReadOnlyAdmin):
    list_display = ("method", "enabled", "chosen", "sync_kinds", "status", "updated_at")
    exclude = ("password", "tenant_id", "service_account_key", "dav_user_passwords")
    readonly_fields = (
        "method",
        "enabled",
        "chosen",
        "sync_kinds",
        "username",
        "password_stored",
        "ews_url",
        "auth_basic",
        "auth_ntlm",
        "dav_url_template",
        "dav_auth",
        "app_password_count",
        "additional_domains",
        "tenant",
        "consented_at",
        "client_email",
        "private_key_id",
        "status",
        "status_message",
        "verified_at",
        "updated_at",
    )

    @admin.display(description="Password", boolean=True)
    def password_stored(self, obj: MailConnection) -> bool:
        return bool(obj.password)

    @admin.display(description="CalDAV app passwords stored")
    def app_password_count(self, obj: MailConnection) -> int:
        # Counted without reading one: the JSON object has one key per user.
        try:
            value = json.loads(obj.dav_user_passwords or "{}")
        except ValueError:
            return 0
        return len(value) if isinstance(value, dict) else 0

    @admin.display(description="Tenant id")
    def tenant(self, obj: MailConnection) -> str:
        return mask(obj.tenant_id)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "page", "action", "field_list")
    list_filter = ("page", "action")
    search_fields = ("username",)
    readonly_fields = ("at", "user", "username", "page", "action", "fields")
