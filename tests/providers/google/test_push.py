"""Google Calendar watch channels against the emulator: the sync handshake, channels watched,
replaced before expiry, recreated after it and stopped when a user leaves, a calendar edit
waking its user, forged messages refused, and a burst of 1,000 messages queuing one sync."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import GoogleChannel, MailConnection
from connections.providers.google import push
from mappings.models import SyncRun
from syncengine.models import SyncUser
from tests.providers.conftest import linked_push_user
from tests.providers.google.conftest import USER, GoogleRig

pytestmark = pytest.mark.django_db

MEETING = {"summary": "Call", "start": {"dateTime": "2026-12-20T09:00:00Z"},
           "end": {"dateTime": "2026-12-20T09:30:00Z"}}  # fmt: skip


def meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


@pytest.fixture
def ana(google: GoogleRig, settings: Any) -> SyncUser:
    settings.LSYNC_PUBLIC_URL = "https://lsync.example.com"
    web = Client()

    def deliver(url: str, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        assert parts.netloc == "lsync.example.com"
        return web.post(parts.path, secure=True, **meta(headers)).status_code

    google.emu.channels.deliver = deliver
    connection = MailConnection.objects.create(
        method="google", service_account_key=json.dumps(google.info), enabled=True, chosen=True
    )
    return linked_push_user(connection, USER)


def message(channel: GoogleChannel, state: str = "exists", **changed: str) -> dict[str, str]:
    headers = {"X-Goog-Channel-ID": channel.channel_id, "X-Goog-Channel-Token": channel.token,
               "X-Goog-Resource-ID": channel.resource_id, "X-Goog-Resource-State": state}  # fmt: skip
    return meta(headers) | changed


def test_a_watched_calendar_passes_the_sync_handshake_and_an_edit_queues_its_user(
    google: GoogleRig, ana: SyncUser, queued: list[int]
) -> None:
    assert push.maintain() == {"created": 1, "renewed": 0, "stopped": 0, "failed": 0}
    channel = GoogleChannel.objects.get(sync_user=ana)
    assert channel.mailbox == USER and channel.resource_id
    assert channel.expires_at - timezone.now() > timedelta(days=6)
    (handshake,) = google.emu.channels.delivered
    assert handshake["X-Goog-Resource-State"] == "sync"
    assert queued == []  # the handshake queues nothing
    google.emu.add_event(USER, MEETING)
    assert google.emu.channels.pump() == 1
    assert queued == [ana.pk]


def test_a_forged_token_or_an_unknown_channel_is_refused(
    google: GoogleRig, ana: SyncUser, queued: list[int], client: Client
) -> None:
    push.maintain()
    channel = GoogleChannel.objects.get()
    forged = message(channel, HTTP_X_GOOG_CHANNEL_TOKEN="guessed")
    assert client.post("/hooks/google/", **forged).status_code == 403
    other = message(channel, HTTP_X_GOOG_RESOURCE_ID="another-calendar")
    assert client.post("/hooks/google/", **other).status_code == 403
    unknown = message(channel, HTTP_X_GOOG_CHANNEL_ID="not-ours")
    assert client.post("/hooks/google/", **unknown).status_code == 403
    assert client.get("/hooks/google/").status_code == 405
    assert queued == []


def test_a_burst_of_1000_messages_for_one_user_queues_one_sync(
    google: GoogleRig, ana: SyncUser, queued: list[int], client: Client
) -> None:
    push.maintain()
    channel = GoogleChannel.objects.get()
    for _ in range(1000):
        assert client.post("/hooks/google/", **message(channel)).status_code == 200
    assert queued == [ana.pk]
    # Once that run has started, a later change queues the user again.
    SyncRun.objects.create(sync_user=ana, kind="events", started_at=timezone.now())
    client.post("/hooks/google/", **message(channel))
    assert queued == [ana.pk, ana.pk]


def test_an_expired_channel_is_recreated_and_one_about_to_expire_replaced_then_stopped(
    google: GoogleRig, ana: SyncUser
) -> None:
    push.maintain()
    first = GoogleChannel.objects.get()
    for lapsed in google.emu.channels.channels.values():  # lapsed while lsync was down
        lapsed.expires = google.emu.clock.now() - timedelta(seconds=1)
    GoogleChannel.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    google.emu.channels.expire()
    assert not google.emu.channels.channels
    assert push.maintain()["created"] == 1
    second = GoogleChannel.objects.get()
    assert second.channel_id != first.channel_id
    assert set(google.emu.channels.channels) == {second.channel_id}
    GoogleChannel.objects.update(expires_at=timezone.now() + timedelta(hours=2))
    assert push.maintain() == {"created": 0, "renewed": 1, "stopped": 0, "failed": 0}
    third = GoogleChannel.objects.get()
    assert third.channel_id not in (first.channel_id, second.channel_id)
    assert set(google.emu.channels.channels) == {third.channel_id}  # the old one stopped


def test_a_user_who_leaves_has_the_channel_stopped_even_once_deleted(
    google: GoogleRig, ana: SyncUser
) -> None:
    push.maintain()
    ana.link_status = "unlinked"
    ana.save(update_fields=["link_status"])
    assert push.maintain()["stopped"] == 1
    assert not google.emu.channels.channels and not GoogleChannel.objects.exists()
    ana.link_status = "linked"
    ana.save(update_fields=["link_status"])
    push.maintain()
    ana.delete()  # the row stays, without its user, until the channel is stopped
    assert push.maintain()["stopped"] == 1
    assert not google.emu.channels.channels and not GoogleChannel.objects.exists()


def test_without_a_public_https_url_nothing_is_watched_and_channels_are_stopped(
    google: GoogleRig, ana: SyncUser, settings: Any
) -> None:
    push.maintain()
    settings.LSYNC_PUBLIC_URL = "http://lsync.internal"
    assert push.maintain() == {"created": 0, "renewed": 0, "stopped": 1, "failed": 0}
    assert not google.emu.channels.channels


def test_the_channel_token_is_never_logged(
    google: GoogleRig, ana: SyncUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    push.maintain()
    token = GoogleChannel.objects.get().token
    google.emu.inject("500", route="google.calendar.channels.stop")
    ana.delete()
    assert push.maintain()["failed"] == 1
    assert token not in caplog.text
