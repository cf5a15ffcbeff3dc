"""The delay from an edit to the other side on /status/ (syncengine/latency.py, the chart in
lsync_site/console/latency_chart.py): measured by real runs over the memory stores, kept on
their SyncRuns, p50 and p95 over the last 24 h."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mappings.models import SyncRun
from syncengine import latency, memory_backend
from syncengine.records import Contact
from syncengine.service import sync_user
from syncengine.stores.memory import MemoryStore
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


def ran(user: object, delays: dict[str, list[int]], hours_ago: float = 1) -> None:
    SyncRun.objects.create(
        sync_user=user,  # type: ignore[misc]
        kind="contacts",
        status="ok",
        started_at=timezone.now() - timedelta(hours=hours_ago),
        delays=delays,
    )


def test_a_run_keeps_the_delay_of_each_edit_it_carried(make_user: MakeUser) -> None:
    ana = make_user("ana@example.com")
    sf, mb = memory_backend.build_stores(ana, "contacts")
    assert isinstance(sf, MemoryStore) and isinstance(mb, MemoryStore)
    assert sync_user(ana.pk, "contacts").status == "ok"  # the first sync: not timed
    assert SyncRun.objects.get().delays == {}
    some_id = next(iter(sf.records()))
    record = sf.records()[some_id]
    assert isinstance(record, Contact)
    sf.clock.now = timezone.now() - timedelta(seconds=90)  # edited a minute and a half ago
    sf.edit(some_id, Contact.normalized(first_name="Changed", last_name=record.last_name, emails=list(record.emails)))  # fmt: skip
    assert sync_user(ana.pk, "contacts").status == "ok"
    (delay,) = SyncRun.objects.order_by("-started_at").first().delays["salesforce_to_mailbox"]  # type: ignore[union-attr]
    assert 89 <= delay <= 120


def test_p50_and_p95_are_taken_over_every_run_of_the_last_24_hours(make_user: MakeUser) -> None:
    ana = make_user("ana@example.com")
    ran(ana, {"salesforce_to_mailbox": list(range(1, 51))})
    ran(ana, {"salesforce_to_mailbox": list(range(51, 101)), "mailbox_to_salesforce": [30]})
    ran(ana, {"salesforce_to_mailbox": [9999]}, hours_ago=30)  # yesterday: not counted
    sf_to_mail, mail_to_sf = latency.summary()
    assert (sf_to_mail.count, sf_to_mail.p50, sf_to_mail.p95) == (100, 50, 95)
    assert (mail_to_sf.count, mail_to_sf.p50, mail_to_sf.p95) == (1, 30, 30)


def test_the_status_page_draws_both_directions_next_to_the_budget(
    viewer: Client, make_user: MakeUser
) -> None:
    ran(make_user("ana@example.com"), {"salesforce_to_mailbox": [20, 40, 300], "mailbox_to_salesforce": [45]})  # fmt: skip
    body = viewer.get("/status/").content.decode()
    charts = body.split('class="lsync-charts"')[1]
    assert charts.index('id="api-budget"') < charts.index('id="delay-chart"')
    assert (
        "Salesforce → mailbox p50 <strong>40 s</strong>, p95 <strong>5 min</strong> (3 edits)"
        in body
    )
    assert (
        "mailbox → Salesforce p50 <strong>45 s</strong>, p95 <strong>45 s</strong> (1 edit)" in body
    )
    assert body.count('class="delay-bar"') == 4
    assert 'data-percentile="p95" data-seconds="300"' in body
    assert "<script" not in body.split('id="sync-delay"')[1].split("</div>")[0]


def test_without_a_timed_edit_the_chart_says_there_is_nothing_to_measure_yet(
    viewer: Client,
) -> None:
    body = viewer.get("/status/").content.decode()
    assert "nothing to measure yet" in body
    assert 'data-percentile="p50" data-seconds=""' in body
