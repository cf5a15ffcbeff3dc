"""The `scaleout` scenario: django-q2 with Redis as the broker and PostgreSQL as the database,
1, 2 and 3 real `qcluster` processes syncing the same N due users (issue 14, item 6).

    LSYNC_BENCH_DATABASE_URL=postgres://…/scratch .venv/bin/python bench/run.py scaleout \\
        [--size 10000] [--workers 1,2,3] [--json]

Redis: the benchmark starts `redis-server` (Debian's package) itself on 127.0.0.1 and a free
port, saving nothing to disk, and stops it at the end; LSYNC_BENCH_REDIS_URL names one to use
instead. Without PostgreSQL or Redis the scenario is skipped with the reason.

What a "sync" is here: the product's own task, `syncengine.tasks.sync_user_task(id)`, run by a
django-q2 worker: lease claimed (conditional UPDATE), SyncRun recorded, both stores read, the
plan made and written, mappings saved, the user's status and next due time stored, lease
released. The stores are the "memory" backend (LSYNC_STORE_BACKEND=memory), seeded per worker
process from the user's e-mail: 3 Salesforce contacts and 2 mailbox contacts, one of them the
same person, so each user's first run links one pair and creates 3 contacts. Contacts only
(events off in the configuration); the change feed is off (every run reads Salesforce).

Each round (k workers):
1. The users (created once) get a fresh start: their runs, mappings and cursors are emptied,
   they are due now and nobody holds them.
2. The benchmark dispatches them all at once as a backlog (`dispatch.dispatch(…, limit=N)`:
   claimed and pushed to Redis in one pipeline), with a second copy of a share of them
   (`--duplicates`, 10 % by default) right behind the first, as a second dispatcher or a
   re-delivered task would queue it: two workers take the two copies at nearly the same moment,
   and the lease must turn one away.
3. k `manage.py qcluster` processes start (one worker process each, LSYNC_Q_WORKERS=1); the
   round ends once every user has a finished run, the queue is empty and no run has started
   for 3 s. The product's tick would queue such a backlog over several ticks (`tick_limit`);
   queued at once, the wait shows what the workers alone make of it.

Figures, all read from the SyncRun rows: `users_per_minute` (users over the time from the first
run's start to the last run's end, so worker start-up is left out), `double_claims` (pairs of
runs of one user and kind that overlap in time), the longest wait from a user's due time to its
run's start, and how far that exceeds the product's interval plus one dispatcher tick.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench import services

ROOT = Path(__file__).resolve().parent.parent
Run = tuple[int, str, datetime, datetime | None]  # user, kind, started, finished


def overlapping_pairs(runs: Iterable[Run]) -> int:
    """Pairs of runs of one user and kind that were running at the same moment."""
    by_key: dict[tuple[int, str], list[tuple[datetime, datetime]]] = {}
    for user, kind, started, finished in runs:
        never = datetime.max.replace(tzinfo=started.tzinfo)
        by_key.setdefault((user, kind), []).append((started, finished or never))
    pairs = 0
    for spans in by_key.values():
        spans.sort()
        for i, (_, end) in enumerate(spans):
            pairs += sum(1 for start, _ in spans[i + 1 :] if start < end)
    return pairs


def per_minute(count: int, first: datetime, last: datetime) -> float:
    seconds = (last - first).total_seconds()
    return round(count * 60 / seconds, 1) if seconds > 0 else 0.0


def beyond(wait_seconds: float, interval_seconds: float, tick_seconds: float) -> float:
    """How much longer than its interval plus one tick a user waited (0 when it did not)."""
    return round(max(0.0, wait_seconds - interval_seconds - tick_seconds), 3)


def setup(stack: ExitStack, directory: Path) -> str | None:
    """Before Django starts: PostgreSQL named, Redis up and named by REDIS_URL (so the
    benchmark process queues into it). Returns why the scenario is skipped, or None."""
    import os

    _url, missing = services.postgres_url()
    if missing:
        return missing
    url, missing = services.redis_server(stack, directory)
    if missing:
        return missing
    os.environ["REDIS_URL"] = url
    return None


def make_users(count: int) -> None:
    from bench import dispatching
    from syncengine.models import SyncConfiguration

    config = SyncConfiguration.objects.create(
        name="Scale-out", contacts_direction="both", events_direction="off"
    )
    dispatching.make_users(count, config)


def fresh_start(due: datetime) -> None:
    """Every user as enrolled and never synced, due at `due`; the queue and results empty."""
    from django.db import connection
    from django_q.brokers import get_broker
    from django_q.models import Schedule, Task

    from mappings.models import ItemMapping, SyncCursor, SyncIssue, SyncRun
    from syncengine.models import SyncUser

    tables = [m._meta.db_table for m in (SyncIssue, SyncRun, ItemMapping, SyncCursor, Task)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    Schedule.objects.all().delete()  # the benchmark is the only dispatcher
    per_kind = ("status", "message", "progress", "synced_at", "guard_approved")
    names = [f"{kind}_{field}" for kind in ("contacts", "events") for field in per_kind]
    enrolled = SyncUser()  # the fields' defaults
    defaults = {name: getattr(enrolled, name) for name in names}
    SyncUser.objects.update(
        next_due_at=due,
        lease_owner="",
        lease_expires_at=None,
        backoff_until=None,
        throttled_until=None,
        consecutive_failures=0,
        **defaults,
    )
    get_broker().purge_queue()


def worker_env() -> dict[str, str]:
    import os

    from django.conf import settings

    env = dict(os.environ)  # DATABASE_URL, REDIS_URL and the test keys set for this process
    env.update(
        DJANGO_SETTINGS_MODULE="lsync_site.settings",
        LSYNC_SECRET_KEY=settings.SECRET_KEY,  # the tasks are signed with it
        LSYNC_STORE_BACKEND="memory",
        LSYNC_CHANGE_FEED="false",
        LSYNC_Q_WORKERS="1",
    )
    return env


def start_workers(stack: ExitStack, count: int, directory: Path) -> list[subprocess.Popen[bytes]]:
    processes = []
    for n in range(count):
        log = (directory / f"qcluster-{n + 1}.log").open("ab")
        stack.callback(log.close)
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            env=worker_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that stopping it stops its worker processes too
        )
        stack.callback(services.stop, process)
        processes.append(process)
    return processes


def with_copies(ids: list[int], share: float) -> list[int]:
    """`ids` in order, with a second copy of every 1/share-th right behind its first."""
    step = round(1 / share) if share > 0 else 0
    out: list[int] = []
    for n, pk in enumerate(ids):
        out += [pk, pk] if step and n % step == 0 else [pk]
    return out


def queue_round(count: int, duplicate_share: float) -> tuple[datetime, float, int]:
    """(due time, seconds to claim and queue, copies queued)."""
    from django.utils import timezone

    from syncengine import dispatch, queueing

    due = timezone.now() - timedelta(seconds=1)
    fresh_start(due)
    queued: list[int] = []

    def enqueue(ids: list[int]) -> None:
        queued.extend(with_copies(ids, duplicate_share))
        queueing.enqueue_syncs(queued)

    began = time.perf_counter()
    claimed = dispatch.dispatch(enqueue, limit=count)
    return due, time.perf_counter() - began, len(queued) - len(claimed)


def wait_for_runs(count: int, timeout: float, processes: list[subprocess.Popen[bytes]]) -> bool:
    """Until every user has a finished run, nothing runs or waits in Redis, and no run has
    started for 3 s (a worker's cluster holds a few tasks it took from Redis already)."""
    from django_q.brokers import get_broker

    from mappings.models import SyncRun

    broker, deadline = get_broker(), time.monotonic() + timeout
    runs, quiet = -1, 0
    while time.monotonic() < deadline:
        done = SyncRun.objects.filter(finished_at__isnull=False).values("sync_user").distinct()
        running = SyncRun.objects.filter(finished_at__isnull=True).exists()
        now_runs = SyncRun.objects.count()
        quiet, runs = (quiet + 1 if now_runs == runs else 0), now_runs
        if done.count() >= count and not running and broker.queue_size() == 0 and quiet >= 3:
            return True
        if any(p.poll() is not None for p in processes):
            return False
        time.sleep(1)
    return False


def round_figures(count: int, due: datetime, interval: float, tick: float) -> dict[str, Any]:
    from django.db.models import Max, Min

    from mappings.models import SyncRun

    runs: list[Run] = list(
        SyncRun.objects.values_list("sync_user_id", "kind", "started_at", "finished_at")
    )
    span = SyncRun.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
    users = {run[0] for run in runs if run[3] is not None}
    first_start: dict[int, datetime] = {}
    for user, _kind, started, _finished in runs:
        first_start[user] = min(started, first_start.get(user, started))
    longest = max(((s - due).total_seconds() for s in first_start.values()), default=0.0)
    statuses = Counter(SyncRun.objects.values_list("status", flat=True))
    return {
        "users_synced": len(users),
        "runs": len(runs),
        # A copy that found its user's previous run finished syncs it again (no change to
        # make); one that found it running was turned away by the lease ("busy", no run).
        "second_runs": len(runs) - len(first_start),
        "run_statuses": dict(statuses),
        "users_per_minute": per_minute(len(users), span["first"], span["last"])
        if span["first"] and span["last"]
        else 0.0,
        "double_claims": overlapping_pairs(runs),
        "longest_wait_seconds": round(longest, 1),
        "wait_beyond_interval_plus_tick_seconds": beyond(longest, interval, tick),
    }


def run(count: int, workers: list[int], duplicate_share: float, directory: Path) -> dict[str, Any]:
    from django.db import connection
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    from syncengine import dispatch

    make_users(count)
    interval = dispatch.sync_interval(count).total_seconds()
    tick = float(dispatch.TICK_SECONDS)
    rounds: dict[str, dict[str, Any]] = {}
    inline, Conf.SYNC = Conf.SYNC, False  # the test settings run tasks inline; here they queue
    try:
        for k in workers:
            due, queue_seconds, again = queue_round(count, duplicate_share)
            began = time.perf_counter()
            with ExitStack() as stack:
                processes = start_workers(stack, k, directory)
                finished = wait_for_runs(count, max(600.0, count * 0.5), processes)
            figures = round_figures(count, due, interval, tick)
            rounds[str(k)] = {
                "finished": finished,
                "dispatch_seconds": round(queue_seconds, 3),
                "duplicate_tasks": again,
                "wall_seconds": round(time.perf_counter() - began, 1),
                **figures,
                "duplicates_turned_away": again - figures["second_runs"],
            }
    finally:
        Conf.SYNC = inline
    return summary(count, rounds, interval, tick, connection.vendor, get_broker().info())


def summary(
    count: int,
    rounds: dict[str, dict[str, Any]],
    interval: float,
    tick: float,
    database: str,
    broker: str,
) -> dict[str, Any]:
    rates = {k: r["users_per_minute"] for k, r in rounds.items()}
    one = rates.get("1") or 0.0
    return {
        "users": count,
        "database": database,
        "broker": broker,
        "users_per_minute": rates,
        "speedup_vs_one_worker": {k: round(v / one, 2) if one else None for k, v in rates.items()},
        "double_claims": sum(r["double_claims"] for r in rounds.values()),
        "interval_seconds": interval,
        "tick_seconds": tick,
        "longest_wait_seconds": {k: r["longest_wait_seconds"] for k, r in rounds.items()},
        "wait_beyond_interval_plus_tick_seconds": max(
            (r["wait_beyond_interval_plus_tick_seconds"] for r in rounds.values()), default=0.0
        ),
        "rounds": rounds,
    }
