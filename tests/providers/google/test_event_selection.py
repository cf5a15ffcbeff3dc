"""Issue 11 item 3 on Google Workspace: Google Calendar has no categories or labels on events;
the one mark a user can set on an event from the Calendar UI and the API returns is its colour
(`colorId`). With "only events users select", an event is selected when it has the configured
colour (Grape unless the configuration says otherwise)."""

from __future__ import annotations

import json

import pytest

from connections.models import MailConnection, Status
from connections.providers.google import convert
from connections.providers.google import stores as adapters
from connections.providers.google.stores.events import GoogleEventsStore
from syncengine.models import SyncConfiguration, SyncUser
from tests.providers.google.conftest import USER, GoogleRig


def timed(summary: str, **extra: object) -> dict[str, object]:
    return {"summary": summary, "start": {"dateTime": "2030-03-04T09:00:00Z"},
            "end": {"dateTime": "2030-03-04T10:00:00Z"}, **extra}  # fmt: skip


def test_an_event_without_its_own_colour_is_not_marked() -> None:
    assert convert.has_color({"colorId": "3"}, "3")
    assert not convert.has_color({"colorId": "11"}, "3")
    assert not convert.has_color({}, "3")
    assert convert.has_color({}, None)  # no mark asked for: every event counts


def test_only_events_with_the_configured_colour_are_selected(google: GoogleRig) -> None:
    grape = google.emu.add_event(USER, timed("Deal review", colorId="3"))["id"]
    tomato = google.emu.add_event(USER, timed("Dentist", colorId="11"))["id"]
    plain = google.emu.add_event(USER, timed("Lunch"))["id"]
    store = google.events(color="3")
    page = store.changes(None)
    assert {it.id: it.selected for it in page.changed} == {
        grape: True,
        tomato: False,
        plain: False,
    }
    before = {it.id: it.record for it in page.changed}

    # The user gives the event another colour: read again, not selected, same content.
    google.client().calendar(
        "PATCH", f"calendars/primary/events/{grape}", body={"colorId": "5"},
        params={"sendUpdates": "none"},
    )  # fmt: skip
    (item,) = store.changes(page.cursor).changed
    assert (item.id, item.selected, item.record) == (grape, False, before[grape])
    assert {i: it.selected for i, it in store.get([grape, tomato]).items()} == {
        grape: False,
        tomato: False,
    }


@pytest.mark.django_db
def test_the_configuration_gives_the_store_its_colour_only_when_users_select(
    google: GoogleRig,
) -> None:
    MailConnection.objects.create(
        method="google", enabled=True, status=Status.VERIFIED,
        service_account_key=json.dumps(google.info), client_email=google.info["client_email"],
    )  # fmt: skip
    config = SyncConfiguration.objects.create(name="Sales", events_select_color="7")
    user = SyncUser.objects.create(
        configuration=config, salesforce_user_id="005000000000001AAA", username="ana@sf",
        email="ana@corp.example", mailbox_address=USER,
    )  # fmt: skip
    store = adapters.build_store(user, "events")
    assert isinstance(store, GoogleEventsStore) and store.color is None
    config.events_scope = "selected"
    config.save()
    store = adapters.build_store(SyncUser.objects.get(), "events")
    assert isinstance(store, GoogleEventsStore) and store.color == "7"
