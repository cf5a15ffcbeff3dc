"""Preview the next run of a user or of a configuration's users, before turning it on."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from connections.permissions import manage_sync_required
from lsync_site.console import preview
from syncengine.models import SyncConfiguration, SyncUser


@manage_sync_required
def user_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET explains; POST runs the dry run (it reads both sides, so it is never a plain GET)."""
    user = get_object_or_404(SyncUser.objects.select_related("configuration"), pk=pk)
    previews = preview.preview_user(user) if request.method == "POST" else None
    return render(
        request,
        "status/preview.html",
        {"sync_user": user, "previews": previews, "sample": preview.SAMPLE},
    )


@manage_sync_required
def configuration_preview(request: HttpRequest, pk: int) -> HttpResponse:
    config = get_object_or_404(SyncConfiguration, pk=pk)
    previews, total = None, SyncUser.objects.filter(configuration=config).count()
    if request.method == "POST":
        previews, total = preview.preview_configuration(config)
    return render(
        request,
        "status/preview.html",
        {
            "configuration": config,
            "previews": previews,
            "total_users": total,
            "max_users": preview.MAX_USERS,
            "sample": preview.SAMPLE,
        },
    )
