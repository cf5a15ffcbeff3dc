"""The Salesforce change feed, run: read each kind's feed once for the org, mark and wake the
users a change touches (feed.py decides who), and let only those users' runs read Salesforce.

- `read_feed(kind)` (the "read change feed" task, every minute): claims the kind's feed lease,
  reads since the stored cursor, and in one transaction marks the touched users, makes them due
  now and stores the new cursor. A crash before that commit leaves the old cursor, so the next
  read reports the same changes again; nothing is lost and a user woken twice runs twice at most.
- `gate(user, kind, store)` (service.py, before a run): the user's Salesforce store, or
  `feed.Unchanged(store)` when the feed has seen nothing of theirs since their last Salesforce
  read and the slow reconcile (`LSYNC_RECONCILE_SECONDS`, default daily) is not due.
- `settle(...)` (after a finished run that read Salesforce): records when it read.

The feed is on when `LSYNC_CHANGE_FEED` is true, stores come from the providers, and the
Salesforce provider offers a feed (an integration user is named). When the feed has not been read
for `STALE` (no worker runs the schedule, or every read fails), every run reads Salesforce again
as it would without a feed: a stopped feed costs calls, never changes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mappings.models import FeedCursor, FeedMark, ItemMapping
from syncengine import budget, dispatch, registry
from syncengine.feed import FeedReader, Subscriber, Unchanged, fan_out
from syncengine.models import SyncUser
from syncengine.stores.base import Kind, ProviderError, Store

logger = logging.getLogger(__name__)

STALE = timedelta(minutes=10)
LEASE = timedelta(minutes=5)
ID_CHUNK = 500


@dataclass
class FeedResult:
    kind: Kind
    status: str  # "ok", "off", "busy", "failed"
    changes: int = 0
    woken: set[int] = field(default_factory=set)
    api_calls: int = 0
    expired: bool = False
    message: str = ""


def reconcile_interval() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "LSYNC_RECONCILE_SECONDS", 86400)))


def reader_for(kind: Kind) -> FeedReader | None:
    if not getattr(settings, "LSYNC_CHANGE_FEED", False) or registry.backend_name() != "providers":
        return None
    factory = getattr(registry.salesforce(), "change_feed", None)
    return factory(kind) if factory is not None else None


def subscribers(kind: Kind) -> list[Subscriber]:
    out = []
    for user in dispatch.eligible_users().select_related("configuration"):
        config = user.configuration
        if config is None or config.direction_for(kind) == "off":
            continue
        visible = kind == "contacts" and config.contacts_ownership == "visible"
        out.append(Subscriber(user.pk, user.salesforce_user_id, visible))
    return out


def mapped(kind: Kind, record_ids: list[str]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for start in range(0, len(record_ids), ID_CHUNK):
        part = record_ids[start : start + ID_CHUNK]
        rows = ItemMapping.objects.filter(kind=kind, salesforce_id__in=part)
        for salesforce_id, user_id in rows.values_list("salesforce_id", "sync_user_id"):
            if salesforce_id:
                out.setdefault(salesforce_id, set()).add(user_id)
    return out


def _claim(kind: Kind, owner: str, now: datetime) -> bool:
    FeedCursor.objects.get_or_create(kind=kind)
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    claimed = FeedCursor.objects.filter(free, kind=kind).update(
        lease_owner=owner, lease_expires_at=now + LEASE
    )
    return claimed == 1


def _release(kind: Kind, owner: str) -> None:
    FeedCursor.objects.filter(kind=kind, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )


def mark(user_ids: Iterable[int], kind: Kind, now: datetime) -> None:
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), ID_CHUNK):
        part = ids[start : start + ID_CHUNK]
        FeedMark.objects.filter(sync_user_id__in=part, kind=kind).update(marked_at=now)
        have = set(
            FeedMark.objects.filter(sync_user_id__in=part, kind=kind).values_list(
                "sync_user_id", flat=True
            )
        )
        FeedMark.objects.bulk_create(
            [FeedMark(sync_user_id=pk, kind=kind, marked_at=now) for pk in part if pk not in have],
            ignore_conflicts=True,
        )


def wake(user_ids: Iterable[int], now: datetime) -> int:
    ids = sorted(set(user_ids))
    woken = 0
    for start in range(0, len(ids), ID_CHUNK):
        part = ids[start : start + ID_CHUNK]
        woken += SyncUser.objects.filter(pk__in=part, next_due_at__gt=now).update(next_due_at=now)
    return woken


def read_feed(kind: Kind, reader: FeedReader | None = None) -> FeedResult:
    try:
        reader = reader or reader_for(kind)
    except ProviderError as error:  # Salesforce not connected yet
        return FeedResult(kind, "off", message=error.message)
    if reader is None:
        return FeedResult(kind, "off")
    subs = subscribers(kind)
    if not subs:
        # Nobody to tell: no call. Runs read Salesforce themselves until the feed is fresh.
        return FeedResult(kind, "idle")
    owner = dispatch.new_owner()
    if not _claim(kind, owner, timezone.now()):
        return FeedResult(kind, "busy", message="another worker reads this feed now")
    try:
        before = reader.api_calls
        row = FeedCursor.objects.get(kind=kind)
        page = reader.read(row.value or None)
        if page.expired:
            touched = {s.sync_user_id for s in subs}
        else:
            ids = [c.record_id for c in page.changes]
            touched = fan_out(reader, page.changes, subs, mapped(kind, ids)).users
        now = timezone.now()
        with transaction.atomic():
            mark(touched, kind, now)
            wake(touched, now)
            saved = FeedCursor.objects.filter(kind=kind, lease_owner=owner).update(
                value=page.cursor, read_at=now
            )
            if saved != 1:
                # Our lease ran out and another reader took over: its read counts, not ours.
                transaction.set_rollback(True)
                return FeedResult(kind, "busy", message="the feed lease was lost")
        calls = reader.api_calls - before
        usage = reader.usage()
        if usage is not None:
            budget.record(usage[0], usage[1], calls, now)
        return FeedResult(kind, "ok", len(page.changes), touched, calls, page.expired)
    except ProviderError as error:
        logger.warning("change feed (%s): %s", kind, error.message)
        return FeedResult(kind, "failed", message=error.message)
    finally:
        _release(kind, owner)


def feed_fresh(kind: Kind, now: datetime) -> bool:
    return FeedCursor.objects.filter(kind=kind, read_at__gte=now - STALE).exists()


def needs_read(user: SyncUser, kind: Kind, now: datetime) -> bool:
    """Whether this run of the user must read their Salesforce side."""
    if not feed_fresh(kind, now):
        return True
    row = FeedMark.objects.filter(sync_user=user, kind=kind).first()
    if row is None or row.read_at is None:
        return True
    if row.marked_at is not None and row.marked_at >= row.read_at:
        return True
    return now - row.read_at >= reconcile_interval() * budget.reconcile_factor(now)


def gate(user: SyncUser, kind: Kind, store: Store) -> Store:
    if not getattr(settings, "LSYNC_CHANGE_FEED", False) or registry.backend_name() != "providers":
        return store
    return store if needs_read(user, kind, timezone.now()) else Unchanged(store)


def settle(user: SyncUser, kind: Kind, started_at: datetime, store: Store) -> None:
    """After a finished run: if it read Salesforce, nothing marked before it started is left."""
    if isinstance(store, Unchanged) or not getattr(settings, "LSYNC_CHANGE_FEED", False):
        return
    FeedMark.objects.update_or_create(sync_user=user, kind=kind, defaults={"read_at": started_at})
