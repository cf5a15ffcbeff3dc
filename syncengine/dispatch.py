"""Who is due, who holds a user, and how long a failing user waits.

Claims never lock for longer than one statement (healthchecks' `sendalerts` style): a claim is
one conditional UPDATE per chunk of users that repeats the "due" condition and returns the ids
it changed. On PostgreSQL the candidates are read with FOR UPDATE SKIP LOCKED so that
dispatchers on several machines split the due users instead of racing for the same ones.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from mappings.models import RunStatus, SyncRun
from syncengine.models import LinkStatus, SyncUser

BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 60 * 60
# A provider's Retry-After is honoured beyond our cap, but not beyond a day.
RETRY_AFTER_MAX_SECONDS = 24 * 60 * 60


def lease_seconds() -> int:
    # Longer than a task may run (django-q2 kills it at `timeout`), so a live worker never
    # loses its lease, yet a dead worker's user is picked up again after a few minutes.
    return int(settings.Q_CLUSTER.get("timeout", 600)) + 60


def sync_interval(user_count: int) -> timedelta:
    """The time between two syncs of one user: grows with the number of enrolled users."""
    base = int(getattr(settings, "LSYNC_SYNC_INTERVAL_SECONDS", 300))
    return timedelta(seconds=min(base + (user_count // 100) * 60, 3600))


def backoff_seconds(failures: int, retry_after: float | None = None) -> float:
    """Exponential in the number of consecutive failures, capped; never below Retry-After."""
    exponent = max(failures - 1, 0)
    delay = float(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(exponent, 20)))
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX_SECONDS))
    return delay


def new_owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _free(now: datetime) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)


def eligible_users() -> QuerySet[SyncUser]:
    return SyncUser.objects.filter(configuration__active=True, link_status=LinkStatus.LINKED)


def due_users(now: datetime) -> QuerySet[SyncUser]:
    not_backing_off = Q(backoff_until__isnull=True) | Q(backoff_until__lte=now)
    not_throttled = Q(throttled_until__isnull=True) | Q(throttled_until__lte=now)
    return eligible_users().filter(_free(now), not_backing_off, not_throttled, next_due_at__lte=now)


# Users claimed by one statement; a tick runs as many statements as its limit needs. Each
# statement reads and sorts every due user to pick its chunk, so a few large chunks cost less
# than many small ones (10,000 users on PostgreSQL: 1.1 s in chunks of 500, 0.6 s of 2,000);
# the rows stay locked for one statement either way.
CLAIM_CHUNK = 2000
# How often tasks.dispatch_due runs (its schedule), in seconds.
TICK_SECONDS = 60


def tick_limit(user_count: int, interval: timedelta) -> int:
    """How many users one tick may claim: twice the users that fall due per tick on average
    (so a backlog drains within a few ticks), and never fewer than the workers can start.
    Claiming far more than that would only queue tasks that go stale in the broker."""
    workers = int(settings.Q_CLUSTER.get("workers", 2))
    per_tick = -(-user_count * TICK_SECONDS // max(1, int(interval.total_seconds())))
    return max(2 * per_tick, 10 * workers, 1)


def _claim_chunk(now: datetime, interval: timedelta, size: int) -> list[int]:
    """Claims up to `size` due users in one statement and returns their ids.

    The subquery picks the candidates (FOR UPDATE SKIP LOCKED on PostgreSQL, so dispatchers on
    several machines split them); the outer condition repeats "still due", so a user another
    dispatcher claimed first (its next_due_at moved on) is not returned twice. SQLite runs one
    writer at a time, so the statement alone is atomic there."""
    candidates = due_users(now).order_by("next_due_at", "pk").values("pk")[:size]
    picked = "id IN ({})"
    if connection.vendor == "postgresql":
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        # As ARRAY(...) the subquery runs once, before the update. As IN (...) PostgreSQL may
        # join it and run it again for every due row: quadratic, and past its LIMIT.
        picked = "id = ANY(ARRAY({}))"
    sub_sql, sub_params = candidates.query.sql_with_params()
    table = connection.ops.quote_name(SyncUser._meta.db_table)
    due = connection.ops.quote_name("next_due_at")
    where = picked.format(sub_sql)
    sql = f"UPDATE {table} SET {due} = %s WHERE {where} AND {due} <= %s RETURNING id"
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(now + interval), *sub_params, adapt(now)])
        return [int(row[0]) for row in cursor.fetchall()]


def claim_due(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of due users this dispatcher now owns for one round (their next_due_at moved on),
    oldest due first, at most `limit` (by default tick_limit)."""
    now = now or timezone.now()
    close_abandoned_runs(now)
    count = eligible_users().count()
    interval = sync_interval(count)
    limit = tick_limit(count, interval) if limit is None else limit
    claimed: list[int] = []
    while len(claimed) < limit:
        size = min(CLAIM_CHUNK, limit - len(claimed))
        with transaction.atomic():
            chunk = _claim_chunk(now, interval, size)
        claimed += chunk
        if len(chunk) < size:
            break
    return claimed


def dispatch(
    enqueue: Callable[[list[int]], object],
    now: datetime | None = None,
    limit: int | None = None,
) -> list[int]:
    """Claims the due users and hands them to `enqueue` all at once."""
    claimed = claim_due(now, limit)
    if claimed:
        enqueue(claimed)
    return claimed


def claim_lease(sync_user_id: int, owner: str, now: datetime | None = None) -> bool:
    """Takes the user for one sync; False while another live worker holds it. A run of the
    user still "running" now belongs to a worker that lost the lease: it is closed."""
    now = now or timezone.now()
    expires = now + timedelta(seconds=lease_seconds())
    updated = SyncUser.objects.filter(_free(now), pk=sync_user_id).update(
        lease_owner=owner, lease_expires_at=expires
    )
    if updated == 1:
        _abandon(SyncRun.objects.filter(sync_user_id=sync_user_id), now)
    return updated == 1


def renew_lease(sync_user_id: int, owner: str, now: datetime | None = None) -> bool:
    """Extends a lease this owner still holds; False once it expired or went to another."""
    now = now or timezone.now()
    expires = now + timedelta(seconds=lease_seconds())
    held = SyncUser.objects.filter(pk=sync_user_id, lease_owner=owner, lease_expires_at__gt=now)
    return held.update(lease_expires_at=expires) == 1


ABANDONED_MESSAGE = (
    "This run stopped without finishing: its worker was stopped or lost its hold on the user. "
    "The next run carries on from where the last finished run left off."
)


def _abandon(runs: QuerySet[SyncRun], now: datetime) -> int:
    return runs.filter(status=RunStatus.RUNNING).update(
        status=RunStatus.ABANDONED, finished_at=now, message=ABANDONED_MESSAGE
    )


def close_abandoned_runs(now: datetime | None = None) -> int:
    """Closes the runs whose worker died: still "running" while nobody holds their user."""
    now = now or timezone.now()
    free = SyncUser.objects.filter(_free(now)).values("pk")
    return _abandon(SyncRun.objects.filter(sync_user__in=free), now)


def release_lease(sync_user_id: int, owner: str) -> None:
    SyncUser.objects.filter(pk=sync_user_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )


def record_success(sync_user_id: int) -> None:
    SyncUser.objects.filter(pk=sync_user_id).update(consecutive_failures=0, backoff_until=None)


def record_failure(
    sync_user_id: int, retry_after: float | None = None, now: datetime | None = None
) -> datetime:
    """Counts one more failure and returns when the user may run again."""
    now = now or timezone.now()
    user = SyncUser.objects.filter(pk=sync_user_id)
    user.update(consecutive_failures=F("consecutive_failures") + 1)
    count = user.values_list("consecutive_failures", flat=True).first() or 1
    until = now + timedelta(seconds=backoff_seconds(count, retry_after))
    user.update(backoff_until=until)
    return until
