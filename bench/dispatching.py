"""The `dispatch` scenario: one dispatcher tick over N due users, claimed and enqueued.

The users are linked and due; the broker is django-q2's ORM broker on the same database (as in
a default install), not run synchronously, so the tick's cost is its claims and its INSERTs into
the queue. The tick is asked for every due user (`limit=N`): the figure is the cost of claiming
and enqueueing N users, whatever a tick's own limit is. Checked: every user claimed once, and
one queued task per user.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncengine.models import SyncConfiguration


def make_users(count: int, config: SyncConfiguration | None = None) -> None:
    """`count` linked users, due a minute ago, in `config` (by default a new one)."""
    from django.utils import timezone

    from syncengine.models import LinkStatus, SyncConfiguration, SyncUser

    config = config or SyncConfiguration.objects.create(name="Dispatch")
    due = timezone.now() - timedelta(minutes=1)
    SyncUser.objects.bulk_create(
        [
            SyncUser(
                configuration=config,
                salesforce_user_id=f"005{i:015d}",
                username=f"u{i}@x.example",
                email=f"u{i}@x.example",
                mailbox_address=f"u{i}@x.example",
                link_status=LinkStatus.LINKED,
                next_due_at=due,
            )  # fmt: skip
            for i in range(count)
        ],
        batch_size=1000,
    )


def run(count: int) -> dict[str, Any]:
    from django.db import connection
    from django_q.conf import Conf
    from django_q.models import OrmQ

    from syncengine import dispatch, tasks

    make_users(count)
    inline, Conf.SYNC = Conf.SYNC, False  # the test settings run tasks inline; a tick queues
    try:
        bulk = getattr(tasks, "enqueue_syncs", None)
        enqueueing = [0.0]

        def timed(enqueue: Callable[[Any], None]) -> Callable[[Any], None]:
            def call(arg: Any) -> None:
                began = time.perf_counter()
                enqueue(arg)
                enqueueing[0] += time.perf_counter() - began

            return call

        started = time.perf_counter()
        if bulk is not None:
            claimed = dispatch.dispatch(timed(bulk), limit=count)
        else:  # main before issue 14: one enqueue per user
            claimed = dispatch.dispatch(timed(tasks.enqueue_sync), limit=count)
        seconds = time.perf_counter() - started
    finally:
        Conf.SYNC = inline
    queued = OrmQ.objects.count()
    return {
        "users": count,
        "database": connection.vendor,
        "dispatch_seconds": round(seconds, 3),
        "enqueue_seconds": round(enqueueing[0], 3),
        "claimed": len(claimed),
        "double_claims": len(claimed) - len(set(claimed)),
        "queued_tasks": queued,
    }
