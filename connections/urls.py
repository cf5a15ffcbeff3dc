from __future__ import annotations

from django.urls import path

from connections import views

app_name = "setup"
urlpatterns = [
    path("", views.index, name="index"),
]
