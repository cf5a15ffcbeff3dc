from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/setup/", permanent=False)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # Before "setup/": connections must not import the engine, so its pages live in syncengine.
    path("setup/sync-configurations/", include("lsync_site.configurations.urls")),
    path("setup/", include("connections.urls")),
    path("status/", include("lsync_site.console.urls")),
]
