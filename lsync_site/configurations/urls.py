from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lsync_site.configurations import views

app_name = "configurations"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("search/", views.search, name="search"),
    path("resolve/", views.resolve, name="resolve"),
    path("<int:pk>/", views.edit, name="edit"),
    path("<int:pk>/toggle/", views.toggle, name="toggle"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/assignments/<int:assignment_pk>/remove/", views.unassign, name="unassign"),
]
