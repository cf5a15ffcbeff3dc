"""`/health/` for load balancers and the protected Prometheus `/metrics/`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone
from django_q.tasks import async_task

from lsync_site import monitoring
from mappings.models import SyncRun
from syncengine import budget
from syncengine.models import SyncConfiguration, SyncUser

pytestmark = pytest.mark.django_db


def test_health_answers_ok_without_a_login_when_database_and_queue_answer(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def test_health_fails_when_the_queue_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring, "queue_depth", lambda: None)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "queue": "failing"}


def test_health_fails_when_the_database_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring, "_database_ok", lambda: False)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failing"


def test_metrics_refuse_anonymous_visitors_and_wrong_tokens(
    client: Client, settings: object
) -> None:
    settings.LSYNC_METRICS_TOKEN = "scrape-me"  # type: ignore[attr-defined]
    assert client.get("/metrics/").status_code == 401
    wrong = client.get("/metrics/", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 401
    assert b"lsync_" not in wrong.content


def test_metrics_refuse_a_signed_in_user_without_the_status_permission(client: Client) -> None:
    client.force_login(User.objects.create_user("nobody", "n@example.com", "pw-nobody"))
    assert client.get("/metrics/").status_code == 401


def test_a_scraper_with_the_token_reads_runs_items_calls_throttles_and_queue_depth(
    client: Client, settings: object
) -> None:
    settings.LSYNC_METRICS_TOKEN = "scrape-me"  # type: ignore[attr-defined]
    config = SyncConfiguration.objects.create(name="Sales")
    ana = SyncUser.objects.create(
        configuration=config, salesforce_user_id="005A", username="ana", email="ana@example.com",
        throttled_until=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip
    SyncRun.objects.create(sync_user=ana, kind="contacts", status="ok", api_calls=9,
                           salesforce_api_calls=4, counts={"created_mailbox": 3, "skipped": 2},
                           delays={"salesforce_to_mailbox": [12, 40]})  # fmt: skip
    SyncRun.objects.create(sync_user=ana, kind="events", status="throttled")
    budget.record(used=500, allocation=110_000, feed_calls=2)
    async_task("math.floor", 1.5, sync=False)
    response = client.get("/metrics/", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert response.status_code == 200
    body = response.content.decode()
    for line in (
        'lsync_sync_runs_24h{kind="contacts",status="ok"} 1.0',
        'lsync_items_synced_24h{kind="contacts"} 3.0',
        'lsync_api_calls_24h{provider="salesforce"} 6.0',
        'lsync_api_calls_24h{provider="none"} 5.0',
        'lsync_throttled{what="users_now"} 1.0',
        'lsync_throttled{what="runs_24h"} 1.0',
        'lsync_salesforce_org_api{what="allocation"} 110000.0',
        'lsync_sync_delay_seconds{direction="salesforce_to_mailbox",quantile="0.95"} 40.0',
    ):
        assert line in body
    # The broker's count (ORM: tasks whose lock time has passed); present and not "-1".
    assert re.search(r"^lsync_queue_depth [0-9]", body, re.MULTILINE)


def test_a_status_viewer_signed_in_reads_the_metrics(client: Client) -> None:
    viewer = User.objects.create_user("viewer", "v@example.com", "pw-viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_sync_status"))
    client.force_login(viewer)
    assert client.get("/metrics/").status_code == 200
