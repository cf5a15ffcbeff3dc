"""Graph change notifications against the emulator: the validation handshake, subscriptions made,
renewed and recreated, a mailbox edit waking its user, forged notifications refused, and a burst
for one user queuing one sync."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import GraphSubscription, MailConnection
from connections.providers.microsoft import push
from connections.providers.microsoft.client import GraphClient
from syncengine.models import SyncUser
from tests.providers.conftest import linked_push_user
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(microsoft: Microsoft, settings: Any, monkeypatch: pytest.MonkeyPatch) -> SyncUser:
    settings.LSYNC_PUBLIC_URL = "https://lsync.example.com"
    web = Client()

    def deliver(url: str, body: bytes | None) -> tuple[int, str]:
        parts = urlsplit(url)
        assert parts.netloc == "lsync.example.com"
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        if body is None:
            response = web.post(target, secure=True)
        else:
            response = web.post(target, body, content_type="application/json", secure=True)
        return response.status_code, response.content.decode()

    microsoft.emulator.subscriptions.deliver = deliver
    connection = MailConnection.objects.create(
        method="microsoft365", tenant_id=TENANT, enabled=True, chosen=True
    )
    return linked_push_user(connection, USER)


def test_the_webhook_echoes_the_validation_token_as_plain_text(client: Client) -> None:
    response = client.post("/hooks/microsoft/?validationToken=Validation%3A+<b>abc</b>")
    assert response.status_code == 200
    assert response.content == b"Validation: <b>abc</b>"
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_subscriptions_pass_graphs_validation_and_a_mailbox_edit_queues_its_user(
    microsoft: Microsoft, ana: SyncUser, queued: list[int]
) -> None:
    assert push.maintain(GraphClient(TENANT)) == {"created": 2, "renewed": 0, "failed": 0}
    subs = {s.kind: s for s in GraphSubscription.objects.all()}
    assert subs["contacts"].resource.startswith(f"users/{USER}/contactFolders/")
    assert subs["events"].resource == f"users/{USER}/events"
    folder = subs["contacts"].resource.split("/")[3]
    microsoft.emulator.add_contact(USER, {"givenName": "Bo", "surname": "Berg"}, folder)
    assert microsoft.emulator.subscriptions.pump() == 1
    assert queued == [ana.pk]


def test_without_a_public_https_url_nothing_is_subscribed(
    microsoft: Microsoft, ana: SyncUser, settings: Any
) -> None:
    settings.LSYNC_PUBLIC_URL = "http://lsync.internal"
    assert push.maintain(GraphClient(TENANT)) == {"created": 0, "renewed": 0, "failed": 0}
    assert not GraphSubscription.objects.exists()


def test_a_forged_client_state_is_refused(
    microsoft: Microsoft, ana: SyncUser, queued: list[int], client: Client
) -> None:
    push.maintain(GraphClient(TENANT))
    sub = GraphSubscription.objects.get(kind="events")
    note = {
        "subscriptionId": sub.subscription_id,
        "clientState": "guessed",
        "changeType": "updated",
    }
    response = client.post(
        "/hooks/microsoft/", json.dumps({"value": [note]}), content_type="application/json"
    )
    assert response.status_code == 403
    assert queued == []


def test_a_burst_of_1000_notifications_for_one_user_queues_one_sync(
    microsoft: Microsoft, ana: SyncUser, queued: list[int]
) -> None:
    push.maintain(GraphClient(TENANT))
    microsoft.emulator.subscriptions.pump()
    for n in range(1000):
        microsoft.emulator.add_event(
            USER,
            {"subject": f"Call {n}",
             "start": {"dateTime": "2026-12-20T09:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2026-12-20T09:30:00", "timeZone": "UTC"}},
        )  # fmt: skip
    assert microsoft.emulator.subscriptions.pump() == 1000
    assert queued == [ana.pk]


def test_an_expired_subscription_is_recreated_and_one_about_to_expire_renewed(
    microsoft: Microsoft, ana: SyncUser
) -> None:
    graph = GraphClient(TENANT)
    push.maintain(graph)
    old = GraphSubscription.objects.get(kind="events").subscription_id
    for sub in microsoft.emulator.subscriptions.subs.values():  # lapsed while lsync was down
        sub.expires = microsoft.emulator.clock.now() - timedelta(seconds=1)
    GraphSubscription.objects.update(expires_at=timezone.now() + timedelta(hours=1))
    assert push.maintain(graph) == {"created": 0, "renewed": 2, "failed": 0}
    new = GraphSubscription.objects.get(kind="events")
    assert new.subscription_id != old
    assert new.subscription_id in microsoft.emulator.subscriptions.subs


def test_graph_refuses_a_subscription_whose_webhook_fails_the_handshake(
    microsoft: Microsoft, ana: SyncUser
) -> None:
    microsoft.emulator.subscriptions.deliver = lambda url, body: (404, "")
    assert push.maintain(GraphClient(TENANT)) == {"created": 0, "renewed": 0, "failed": 2}
    assert not GraphSubscription.objects.exists()
