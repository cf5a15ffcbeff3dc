from __future__ import annotations

from django.urls import path

from connections import outlook, views, views_test
from connections.providers.caldav import views as views_caldav
from connections.providers.google import views as views_google
from connections.providers.microsoft import views as views_outlook
from connections.providers.salesforce import views as views_salesforce

app_name = "setup"
urlpatterns = [
    path("", views.index, name="index"),
    path("salesforce/", views_salesforce.salesforce, name="salesforce"),
    path(
        "salesforce/test/",
        views_test.test_connection,
        {"page": "salesforce"},
        name="salesforce_test",
    ),
    path("outlook/", outlook.outlook, name="outlook"),
    path("outlook/consent/start/", views_outlook.consent_start, name="outlook_consent_start"),
    path("outlook/consent/", views_outlook.consent_callback, name="outlook_consent"),
    path("outlook/disconnect/", views_outlook.disconnect, name="outlook_disconnect"),
    path("outlook/test/", views_test.test_connection, {"page": "outlook"}, name="outlook_test"),
    path("google/", views_google.google, name="google"),
    path("google/remove/", views_google.google_remove, name="google_remove"),
    path("google/test/", views_test.test_connection, {"page": "google"}, name="google_test"),
    path("caldav/", views_caldav.caldav, name="caldav"),
    path("caldav/remove/", views_caldav.caldav_remove, name="caldav_remove"),
    path("caldav/test/", views_test.test_connection, {"page": "caldav"}, name="caldav_test"),
]
