from __future__ import annotations

from django.urls import path

from lsync_site.console import views, views_preview, views_unresolved

app_name = "status"
urlpatterns = [
    path("", views.index, name="index"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/sync-now/", views.sync_now, name="sync_now"),
    path("users/<int:pk>/reset/", views.reset_sync, name="reset"),
    path("users/<int:pk>/approve-guard/", views.approve_guard, name="approve_guard"),
    path("users/<int:pk>/preview/", views_preview.user_preview, name="user_preview"),
    path("users/<int:pk>/unresolved/", views_unresolved.unresolved_list, name="unresolved"),
    path(
        "configurations/<int:pk>/preview/",
        views_preview.configuration_preview,
        name="configuration_preview",
    ),
    path("issues/<int:pk>/retry/", views.retry_issue, name="retry_issue"),
    path("issues/<int:pk>/ignore/", views.ignore_issue, name="ignore_issue"),
    path("unresolved/<int:pk>/link/", views_unresolved.link, name="unresolved_link"),
    path(
        "unresolved/<int:pk>/create-account/",
        views_unresolved.create_account,
        name="unresolved_create_account",
    ),
    path("unresolved/<int:pk>/ignore/", views_unresolved.ignore, name="unresolved_ignore"),
]
