"""The delay from an edit to the other side, per direction, over the last 24 h (the status page
and /metrics/). Each run stores the delays of the edits it carried on its SyncRun
(syncengine/delays.py measures them); this reads them back and takes p50 and p95."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from mappings.models import SyncRun
from syncengine.delays import DIRECTIONS, Watched, delays, percentile
from syncengine.planning.actions import Plan
from syncengine.stores.base import Side, Store

WINDOW = timedelta(hours=24)
LABELS = {
    "salesforce_to_mailbox": "Salesforce → mailbox",
    "mailbox_to_salesforce": "mailbox → Salesforce",
}


@dataclass(frozen=True)
class Direction:
    key: str  # "salesforce_to_mailbox" or "mailbox_to_salesforce"
    label: str
    count: int  # edits measured in the window (at most 50 per run are kept)
    p50: int | None  # seconds
    p95: int | None


def watch_stores(salesforce: Store, mailbox: Store) -> dict[Side, Watched]:
    return {"salesforce": Watched(salesforce), "mailbox": Watched(mailbox)}


def record_delays(run: SyncRun, plan: Plan | None, stores: dict[Side, Watched]) -> None:
    found = delays(plan, stores)
    if found:
        SyncRun.objects.filter(pk=run.pk).update(delays=found)


def samples(now: datetime | None = None) -> dict[str, list[int]]:
    now = now or timezone.now()
    out: dict[str, list[int]] = {key: [] for key in DIRECTIONS.values()}
    runs = SyncRun.objects.filter(started_at__gte=now - WINDOW).exclude(delays={})
    for found in runs.values_list("delays", flat=True).iterator():
        for key, values in (found or {}).items():
            if key in out and isinstance(values, list):
                out[key].extend(int(v) for v in values)
    return out


def summary(now: datetime | None = None) -> list[Direction]:
    """Both directions, Salesforce → mailbox first; p50/p95 None where nothing was measured."""
    found = samples(now)
    return [
        Direction(key, LABELS[key], len(values), percentile(values, 0.5), percentile(values, 0.95))
        for key, values in found.items()
    ]
