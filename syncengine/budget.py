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

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from django.db.models import Sum
from django.db.models.functions import TruncMinute
from django.utils import timezone

from mappings.models import ApiUsageSample, SyncRun
from syncengine import registry

KEEP = timedelta(days=2)
WINDOW = timedelta(hours=24)
SLOWDOWN = 7
DEFAULT_PERCENT = 10


@dataclass(frozen=True)
class Budget:
    """The org's use as of its latest sample, lsync's part of it at that same moment, and
    lsync's own use up to now (what the guard compares with the admin's share)."""

    allocation: int
    org_used: int  # the org's calls in the rolling 24 h at `sampled_at`, all integrations
    lsync_used: int  # lsync's own calls in the 24 h up to now
    percent_allowed: int
    sampled_at: datetime | None = None
    lsync_counted: int = 0  # lsync's own count of its calls in the 24 h up to `sampled_at`
    since_sample: int = 0  # lsync's calls after `sampled_at`

    @property
    def lsync_in_sample(self) -> int:
        """lsync's part of the org's use at the sample, never more than the org's use: the
        sample lags (one a minute at most) and Salesforce does not bill every call lsync counts."""
        return min(self.lsync_counted, self.org_used)

    @property
    def counted_above_org(self) -> bool:
        return self.lsync_counted > self.org_used

    @property
    def lsync_share_of_org(self) -> float:
        return 100.0 * self.lsync_in_sample / self.org_used if self.org_used else 0.0

    @property
    def lsync_sample_percent(self) -> float:
        return 100.0 * self.lsync_in_sample / self.allocation if self.allocation else 0.0

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


class Ledger:
    """lsync's Salesforce calls per minute over the last two days (two grouped queries), so
    that every rolling 24 h the page shows is summed the same way."""

    def __init__(self, now: datetime) -> None:
        since = now - 2 * WINDOW
        per_minute: dict[datetime, int] = {}
        runs = SyncRun.objects.filter(started_at__gte=since, salesforce_api_calls__gt=0)
        samples = ApiUsageSample.objects.filter(taken_at__gte=since, feed_calls__gt=0)
        for rows in (
            runs.annotate(m=TruncMinute("started_at")).values("m").annotate(n=Sum("salesforce_api_calls")),
            samples.annotate(m=TruncMinute("taken_at")).values("m").annotate(n=Sum("feed_calls")),
        ):  # fmt: skip
            for row in rows.order_by():
                per_minute[row["m"]] = per_minute.get(row["m"], 0) + int(row["n"] or 0)
        self.minutes = sorted(per_minute)
        self.totals = list(accumulate(per_minute[m] for m in self.minutes))

    def _upto(self, moment: datetime) -> int:
        index = bisect_right(self.minutes, moment)
        return self.totals[index - 1] if index else 0

    def between(self, start: datetime, end: datetime) -> int:
        """Calls in the minutes after `start`, up to and including `end`'s."""
        return self._upto(end) - self._upto(start)

    def rolling(self, moment: datetime) -> int:
        return self.between(moment - WINDOW, moment)


def current(now: datetime | None = None, ledger: Ledger | None = None) -> Budget | None:
    """The last 24 h; None while no sample of the org's use exists (no feed has read yet)."""
    now = now or timezone.now()
    latest = ApiUsageSample.objects.filter(taken_at__gte=now - WINDOW).first()
    if latest is None:
        return None
    ledger = ledger or Ledger(now)
    return Budget(
        latest.daily_limit,
        latest.used,
        ledger.rolling(now),
        percent_allowed(),
        latest.taken_at,
        ledger.rolling(latest.taken_at),
        ledger.between(latest.taken_at, now),
    )


def reconcile_factor(now: datetime | None = None) -> int:
    """Read before runs, so two plain sums instead of the page's per-minute ledger."""
    now = now or timezone.now()
    latest = ApiUsageSample.objects.filter(taken_at__gte=now - WINDOW).first()
    if latest is None or not latest.daily_limit:
        return 1
    used = lsync_calls(now - WINDOW, now + timedelta(seconds=1))
    return SLOWDOWN if 100.0 * used / latest.daily_limit > percent_allowed() else 1


@dataclass(frozen=True)
class Hour:
    start: datetime
    sampled_at: datetime | None  # the hour's last sample of the org's use
    org_used: int | None  # the org's rolling 24 h count at that sample
    lsync_counted: int | None  # lsync's own rolling 24 h count at that same moment

    @property
    def lsync_in_sample(self) -> int | None:
        if self.org_used is None or self.lsync_counted is None:
            return None
        return min(self.lsync_counted, self.org_used)


def hourly(now: datetime | None = None, ledger: Ledger | None = None) -> list[Hour]:
    """The last 24 hours, oldest first, each as of its last sample: the same rolling 24 h, the
    same base (the daily allocation) and the same cap as `current` (whose sample is the last)."""
    now = now or timezone.now()
    ledger = ledger or Ledger(now)
    top = now.replace(minute=0, second=0, microsecond=0)
    first = top - timedelta(hours=23)
    last_of_hour: dict[datetime, ApiUsageSample] = {}
    for sample in ApiUsageSample.objects.filter(taken_at__gte=first).order_by("taken_at"):
        last_of_hour[sample.taken_at.replace(minute=0, second=0, microsecond=0)] = sample
    out = []
    for back in range(23, -1, -1):
        start = top - timedelta(hours=back)
        last = last_of_hour.get(start)
        if last is None:
            out.append(Hour(start, None, None, None))
        else:
            out.append(Hour(start, last.taken_at, last.used, ledger.rolling(last.taken_at)))
    return out
