"""The API budget (syncengine/budget.py) on /status/ and its guard (the admin's share is set on
the Salesforce page: tests/connections/test_salesforce_page.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import SalesforceConnection
from lsync_site.console import budget_chart
from mappings.models import ApiUsageSample, FeedCursor, FeedMark, SyncRun
from syncengine import budget, changefeed
from syncengine.models import SyncUser
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


def spend(user: SyncUser, calls: int, hours_ago: float = 1) -> None:
    SyncRun.objects.create(
        sync_user=user,
        kind="contacts",
        status="ok",
        started_at=timezone.now() - timedelta(hours=hours_ago),
        salesforce_api_calls=calls,
    )


def test_lsyncs_use_is_its_runs_and_its_feed_reads_of_the_last_24_hours(
    make_user: MakeUser,
) -> None:
    ana = make_user("ana@example.com")
    spend(ana, 300)
    spend(ana, 5000, hours_ago=30)  # yesterday: no longer counted
    budget.record(used=40_000, allocation=110_000, feed_calls=2)
    now = budget.current()
    assert now is not None
    assert (now.org_used, now.allocation, now.lsync_used) == (40_000, 110_000, 302)
    assert now.percent_allowed == 10 and not now.over


def test_above_the_admins_share_reconciles_wait_longer(
    make_user: MakeUser, settings: object
) -> None:
    settings.LSYNC_CHANGE_FEED = True  # type: ignore[attr-defined]
    settings.LSYNC_STORE_BACKEND = "providers"  # type: ignore[attr-defined]
    ana = make_user("ana@example.com")
    FeedCursor.objects.create(kind="contacts", read_at=timezone.now())
    read = timezone.now() - changefeed.reconcile_interval() - timedelta(minutes=1)
    FeedMark.objects.create(sync_user=ana, kind="contacts", read_at=read)
    budget.record(used=20_000, allocation=110_000, feed_calls=0)
    assert changefeed.needs_read(ana, "contacts", timezone.now())  # the daily reconcile is due
    spend(ana, 12_000)  # 10.9 % of the allocation
    assert budget.reconcile_factor() == budget.SLOWDOWN
    assert not changefeed.needs_read(ana, "contacts", timezone.now())
    FeedMark.objects.filter(sync_user=ana).update(marked_at=timezone.now())
    assert changefeed.needs_read(ana, "contacts", timezone.now())  # a fed change still syncs
    FeedMark.objects.filter(sync_user=ana).update(marked_at=None)
    SalesforceConnection.objects.update_or_create(pk=1, defaults={"api_budget_percent": 20})
    assert budget.reconcile_factor() == 1
    assert changefeed.needs_read(ana, "contacts", timezone.now())


def test_the_status_page_draws_24_hours_of_use_against_the_allocation(
    viewer: Client, make_user: MakeUser
) -> None:
    spend(make_user("ana@example.com"), 1100)
    budget.record(used=30_000, allocation=110_000, feed_calls=10)
    body = viewer.get("/status/").content.decode()
    assert 'id="budget-chart"' in body
    assert body.count('class="budget-hour"') == 24
    assert '<strong id="budget-org">30000</strong>' in body
    assert '<strong id="budget-lsync">1110</strong>' in body
    assert "budget-guard" not in body
    assert "<script" not in body.split('id="api-budget"')[1].split("</div>")[0]


def test_the_status_page_says_when_lsync_is_above_its_share(
    viewer: Client, make_user: MakeUser
) -> None:
    spend(make_user("ana@example.com"), 20_000)
    budget.record(used=30_000, allocation=110_000, feed_calls=0)
    assert 'id="budget-guard"' in viewer.get("/status/").content.decode()


def test_without_a_sample_the_status_page_says_where_it_comes_from(viewer: Client) -> None:
    assert 'id="budget-none"' in viewer.get("/status/").content.decode()


def test_old_samples_are_dropped(make_user: MakeUser) -> None:
    budget.record(1, 100, 0, now=timezone.now() - timedelta(days=3))
    budget.record(2, 100, 0)
    assert list(ApiUsageSample.objects.values_list("used", flat=True)) == [2]


def test_the_status_page_says_when_the_change_feed_was_read(viewer: Client) -> None:
    FeedCursor.objects.create(kind="contacts", read_at=timezone.now())
    FeedCursor.objects.create(kind="events", read_at=timezone.now() - timedelta(hours=2))
    body = viewer.get("/status/").content.decode()
    state = body.split('id="feed-state">')[1].split("</p>")[0]
    assert "contacts read" in state
    assert "events" in state and "not read recently" in state


def test_lsyncs_part_is_never_shown_above_the_orgs_use_and_the_page_says_why(
    viewer: Client, make_user: MakeUser
) -> None:
    spend(make_user("ana@example.com"), 67, hours_ago=0.5)
    budget.record(used=61, allocation=15_000, feed_calls=0)
    body = viewer.get("/status/").content.decode()
    assert '<strong id="budget-org">61</strong>' in body
    assert '<strong id="budget-lsync">61</strong>' in body  # capped at the org's use
    assert "(0.4 % of the allocation, 100 % of the org's use)" in body
    assert 'id="budget-capped"' in body and "(67)" in body
    last = body.split('class="budget-hour"')[-1]
    assert "org 0.4 %, lsync 0.41 %" in last  # the chart's last hour: the text's numbers


def test_the_chart_and_the_text_share_one_base_the_rolling_24_hours_at_the_sample(
    viewer: Client, make_user: MakeUser
) -> None:
    ana = make_user("ana@example.com")
    spend(ana, 1100, hours_ago=2)
    # In the current hour's bar even in the first minutes of an hour (the test failed there).
    now = timezone.now()
    sampled = max(now - timedelta(minutes=5), now.replace(minute=0, second=0, microsecond=0))
    budget.record(used=11_000, allocation=110_000, feed_calls=0, now=sampled)
    spend(ana, 40, hours_ago=0)  # after the sample: not in it
    chart = budget_chart.build()
    assert chart is not None
    assert (chart.budget.org_used, chart.budget.lsync_in_sample, chart.budget.since_sample) == (
        11_000,
        1100,
        40,
    )
    assert (chart.bars[-1].org_percent, chart.bars[-1].lsync_percent) == (10.0, 1.0)
    assert all(b.lsync_percent is None for b in chart.bars[:-1])  # no sample in those hours
    assert 'id="budget-since">40<' in viewer.get("/status/").content.decode()


def test_an_old_sample_is_named_as_such(viewer: Client) -> None:
    budget.record(
        used=500, allocation=110_000, feed_calls=1, now=timezone.now() - timedelta(hours=3)
    )
    body = viewer.get("/status/").content.decode()
    assert 'id="budget-stale"' in body and "3\xa0hours old" in body
