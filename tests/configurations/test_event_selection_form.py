"""Issue 11 item 3 on the configuration page: "only events users select" is offered with the
Outlook category and the Google colour that mark an event, and each is checked with a specific
error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from syncengine.models import SyncConfiguration
from tests.configurations.test_pages import BASE, VALID, page

pytestmark = pytest.mark.django_db


def test_only_events_users_select_is_offered_and_saved(admin_client: Client) -> None:
    form = page(admin_client.get(BASE + "new/"))
    assert "Only events users select" in form
    assert "Outlook category that selects an event" in form
    assert 'value="3" selected' in form and "Grape" in form

    data = {**VALID, "events_scope": "selected", "events_select_category": "  CRM   deal ",
            "events_select_color": "11"}  # fmt: skip
    response = admin_client.post(BASE + "new/", data)

    config = SyncConfiguration.objects.get()
    assert response.status_code == 302
    assert (config.events_scope, config.selection_category(), config.selection_color()) == (
        "selected",
        "CRM deal",
        "11",
    )
    assert config.settings_for("events").selected_only


def test_with_all_events_no_mark_is_asked_for() -> None:
    config = SyncConfiguration.objects.create(name="All")
    assert config.selection_category() is None and config.selection_color() is None
    assert not config.settings_for("events").selected_only


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"events_select_category": "  "},
         "Outlook category that selects an event: enter the category users put on an Outlook event"),
        ({"events_select_category": "Sales, EMEA"},
         "Outlook category that selects an event: remove “,”: Outlook separates categories"),
        ({"events_select_category": "a;b,c"}, "remove “,” and “;”"),
        ({"events_select_color": "12"},
         "Google Calendar colour that selects an event: select a valid choice."),
        ({"events_scope": "some"}, "Which mailbox events: select a valid choice."),
    ],
)  # fmt: skip
def test_a_selection_mark_that_cannot_work_is_refused_with_the_field_named(
    admin_client: Client, changes: dict[str, Any], message: str
) -> None:
    data = {**VALID, "events_scope": "selected", **changes}
    response = admin_client.post(BASE + "new/", data)

    assert response.status_code == 200
    assert message in page(response).replace("&#x27;", "'")
    assert not SyncConfiguration.objects.exists()


def test_a_blank_category_is_fine_while_every_event_syncs(admin_client: Client) -> None:
    admin_client.post(BASE + "new/", {**VALID, "events_select_category": ""})
    config = SyncConfiguration.objects.get()
    assert config.events_select_category == "Salesforce" and config.selection_category() is None


def test_auto_relate_is_offered_and_saved(admin_client: Client) -> None:
    assert "Relate events to matching contacts and leads" in page(admin_client.get(BASE + "new/"))
    admin_client.post(BASE + "new/", {**VALID, "events_auto_relate": "on"})
    assert SyncConfiguration.objects.get().events_auto_relate
