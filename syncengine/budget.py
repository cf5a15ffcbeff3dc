"""lsync's share of the org's daily Salesforce API allocation, and the guard that keeps it there.

Salesforce reports the org's use on every REST response (``Sforce-Limit-Info: api-usage=N/M``:
calls in the rolling 24 h, and the allocation). Each change-feed read stores one sample
(`ApiUsageSample`) with the calls the read made; each run stores its Salesforce calls on its
SyncRun. lsync's use over 24 h is the sum of both.

The guard: when lsync's calls over the last 24 h exceed the share the admin set on the Salesforce
page (default 10 %), reconciles (the runs that read Salesforce without a change seen by the feed)
wait `SLOWDOWN` times longer. Runs for changes the feed saw go on: those are what users wait for,
and they grow with changes, not with users; reconciles are most of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from mappings.models import ApiUsageSample, SyncRun
from syncengine import registry

KEEP = timedelta(days=2)
WINDOW = timedelta(hours=24)
SLOWDOWN = 7
DEFAULT_PERCENT = 10


@dataclass(frozen=True)
class Budget:
    allocation: int
    org_used: int  # the org's calls in the rolling 24 h, all integrations
    lsync_used: int  # lsync's own calls in the last 24 h
    percent_allowed: int

    @property
    def lsync_percent(self) -> float:
        return 100.0 * self.lsync_used / self.allocation if self.allocation else 0.0

    @property
    def org_percent(self) -> float:
        return 100.0 * self.org_used / self.allocation if self.allocation else 0.0

    @property
    def over(self) -> bool:
        return self.lsync_percent > self.percent_allowed


def record(used: int, allocation: int, feed_calls: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    ApiUsageSample.objects.create(
        taken_at=now, used=used, daily_limit=allocation, feed_calls=feed_calls
    )
    ApiUsageSample.objects.filter(taken_at__lt=now - KEEP).delete()


def lsync_calls(start: datetime, end: datetime) -> int:
    runs = SyncRun.objects.filter(started_at__gte=start, started_at__lt=end)
    samples = ApiUsageSample.objects.filter(taken_at__gte=start, taken_at__lt=end)
    run_calls = runs.aggregate(n=Sum("salesforce_api_calls"))["n"] or 0
    feed_calls = samples.aggregate(n=Sum("feed_calls"))["n"] or 0
    return int(run_calls) + int(feed_calls)


def percent_allowed() -> int:
    getter = getattr(registry.salesforce(), "api_budget_percent", None)
    return int(getter()) if getter is not None else DEFAULT_PERCENT


def current(now: datetime | None = None) -> Budget | None:
    """The last 24 h; None while no sample of the org's use exists (no feed has read yet)."""
    now = now or timezone.now()
    latest = ApiUsageSample.objects.filter(taken_at__gte=now - WINDOW).first()
    if latest is None:
        return None
    used = lsync_calls(now - WINDOW, now + timedelta(seconds=1))
    return Budget(latest.daily_limit, latest.used, used, percent_allowed())


def reconcile_factor(now: datetime | None = None) -> int:
    budget = current(now)
    return SLOWDOWN if budget is not None and budget.over else 1


@dataclass(frozen=True)
class Hour:
    start: datetime
    org_used: int | None  # the org's rolling 24 h count at the hour's last sample
    lsync_calls: int


def hourly(now: datetime | None = None) -> list[Hour]:
    """The last 24 hours, oldest first."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    out = []
    for back in range(23, -1, -1):
        start = now - timedelta(hours=back)
        end = start + timedelta(hours=1)
        last = ApiUsageSample.objects.filter(taken_at__gte=start, taken_at__lt=end).first()
        out.append(Hour(start, last.used if last else None, lsync_calls(start, end)))
    return out
