from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from connections.providers.google import webhook as google_webhook
from connections.providers.microsoft import webhook
from lsync_site import monitoring
from lsync_site.accounts import LoginForm, home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # Before "setup/": connections must not import the engine, so its pages live in syncengine.
    path("setup/sync-configurations/", include("lsync_site.configurations.urls")),
    path("setup/", include("connections.urls")),
    path("status/", include("lsync_site.console.urls")),
    path("health/", monitoring.health, name="health"),
    path("hooks/microsoft/", webhook.notifications, name="graph_notifications"),
    path("hooks/google/", google_webhook.notifications, name="google_notifications"),
    path("metrics/", monitoring.metrics, name="metrics"),
]
