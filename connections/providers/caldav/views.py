"""The CalDAV/CardDAV setup page."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connections import audit
from connections.models import MailConnection, Status
from connections.permissions import manage_sync_required
from connections.providers.caldav import signin
from connections.providers.caldav.forms import CalDavForm
from connections.providers.caldav.models import (
    DELEGATION,
    PER_USER,
    read_user_passwords,
    write_user_passwords,
)
from connections.views import snapshot

FIELDS = [
    "enabled", "sync_kinds", "dav_url_template", "dav_auth", "username", "password",
    "dav_user_passwords", "additional_domains",
]  # fmt: skip


def _signs_in(form: CalDavForm, conn: MailConnection) -> bool:
    problem = signin.verify(form.cleaned_data, conn)
    if problem:
        form.add_error(*problem)
    return problem is None


def _saved_message(data: dict[str, object]) -> str:
    if not data["enabled"]:
        return (
            "CalDAV settings saved. They were not checked against the server since sync is "
            "off: turning it on signs in first, and Test Connection checks a user."
        )
    if data["auth"] == PER_USER:
        if not data["user_passwords"]:
            return "CalDAV settings saved."
        return "CalDAV settings saved: the server accepted the app passwords entered."
    return f"CalDAV settings saved: the server accepted the service account {data['username']}."


@manage_sync_required
def caldav(request: HttpRequest) -> HttpResponse:
    conn = MailConnection.load(MailConnection.Method.CALDAV)
    has_password = bool(conn.password)
    stored = read_user_passwords(conn.dav_user_passwords or "")
    if request.method == "POST":
        form = CalDavForm(request.POST, has_password=has_password, stored_users=len(stored))
        if form.is_valid() and _signs_in(form, conn):
            data = form.cleaned_data
            with transaction.atomic():
                before = snapshot(conn, FIELDS)
                conn.enabled = data["enabled"]
                conn.sync_kinds = data["sync_kinds"]
                conn.additional_domains = data["domains"]
                conn.dav_url_template = data["url_template"]
                conn.username = data["username"]
                if data["password"]:
                    conn.password = data["password"]
                conn.dav_auth = data["auth"]
                users = {} if data["clear_user_passwords"] else dict(stored)
                users.update(data["user_passwords"])
                conn.dav_user_passwords = write_user_passwords(users) if users else ""
                after = snapshot(conn, FIELDS)
                if after != before or conn.status == Status.NOT_CONFIGURED:
                    conn.status, conn.status_message, conn.verified_at = Status.SAVED, "", None
                conn.save()
                audit.record(request, "caldav", audit.changed_fields(before, after))
            messages.success(request, _saved_message(data))
            return redirect("setup:caldav")
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    else:
        form = CalDavForm(
            initial={
                "enabled": conn.enabled,
                "sync_kinds": conn.sync_kinds,
                "url_template": conn.dav_url_template,
                "username": conn.username,
                "auth": conn.dav_auth or DELEGATION,
                "domains": ", ".join(conn.additional_domains or []),
            },
            has_password=has_password,
            stored_users=len(stored),
        )
    # The addresses are shown (they are not secret), the app passwords never.
    context = {
        "form": form, "conn": conn, "has_password": has_password, "stored_users": sorted(stored),
    }  # fmt: skip
    return render(request, "connections/caldav.html", context)


@manage_sync_required
@require_POST
def caldav_remove(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        conn = MailConnection.load(MailConnection.Method.CALDAV)
        conn.password = ""
        conn.dav_user_passwords = ""
        conn.enabled = False
        conn.status, conn.status_message, conn.verified_at = Status.NOT_CONFIGURED, "", None
        conn.save()
        audit.record(
            request, "caldav", ["password", "dav_user_passwords", "enabled"], action="remove"
        )
    messages.success(request, "The passwords were removed and CalDAV sync turned off.")
    return redirect("setup:caldav")
