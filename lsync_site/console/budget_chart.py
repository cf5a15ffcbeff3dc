"""The status page's API budget chart: the org's Salesforce API use over the last 24 h against
its allocation, and lsync's part of it (each hour as of its last sample, like the text above the
chart, which is the last hour's), drawn as SVG rectangles (attributes only: the page's
Content-Security-Policy allows no inline script or style, and no chart library is needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from mappings.models import FeedCursor
from syncengine import budget, changefeed

WIDTH, HEIGHT, BAR = 480, 120, 20
SAMPLE_STALE = timedelta(minutes=10)  # the feed reads once a minute


@dataclass(frozen=True)
class Bar:
    x: int
    label: str  # the hour, "14:00"
    org_percent: float | None
    lsync_percent: float | None
    org_y: float
    org_height: float
    lsync_y: float
    lsync_height: float


@dataclass(frozen=True)
class Chart:
    budget: budget.Budget
    bars: list[Bar]
    scale_percent: float  # the chart's top, in % of the daily allocation
    limit_y: float  # the admin's share, as a line
    stale: bool = False  # the latest sample is older than SAMPLE_STALE
    width: int = WIDTH
    height: int = HEIGHT


@dataclass(frozen=True)
class FeedState:
    kind: str
    read_at: datetime | None
    fresh: bool  # read recently enough that runs rely on it (syncengine/changefeed.py)


def feed_states(now: datetime | None = None) -> list[FeedState]:
    """The Salesforce change feed per kind, for the status page; empty when it never ran."""
    now = now or timezone.now()
    return [
        FeedState(row.kind, row.read_at, changefeed.feed_fresh(row.kind, now))  # type: ignore[arg-type]
        for row in FeedCursor.objects.order_by("kind")
    ]


def _y(percent: float, top: float) -> float:
    return round(HEIGHT - HEIGHT * min(percent, top) / top, 1)


def build(now: datetime | None = None) -> Chart | None:
    now = now or timezone.now()
    ledger = budget.Ledger(now)
    current = budget.current(now, ledger)
    if current is None:
        return None
    hours = budget.hourly(now, ledger)
    allocation = current.allocation or 1

    def percent(calls: int | None) -> float | None:
        return None if calls is None else 100.0 * calls / allocation

    # Both bars in one unit, the text's: the rolling 24 h as of the hour's last sample, in % of
    # the daily allocation; lsync's part never above the org's (budget.Budget.lsync_in_sample).
    org = [percent(h.org_used) for h in hours]
    lsync = [percent(h.lsync_in_sample) for h in hours]
    top = max([current.percent_allowed * 1.5, *(o for o in org if o is not None)])
    top = min(max(top, 1.0), 100.0)
    bars = []
    for index, hour in enumerate(hours):
        org_y = _y(org[index] or 0.0, top)
        lsync_y = _y(lsync[index] or 0.0, top)
        bars.append(
            Bar(
                index * BAR,
                hour.start.strftime("%H:%M"),
                None if org[index] is None else round(org[index] or 0.0, 1),
                None if lsync[index] is None else round(lsync[index] or 0.0, 2),
                org_y,
                round(HEIGHT - org_y, 1),
                lsync_y,
                round(HEIGHT - lsync_y, 1),
            )
        )
    stale = now - (current.sampled_at or now) > SAMPLE_STALE
    return Chart(current, bars, round(top, 1), _y(current.percent_allowed, top), stale)
