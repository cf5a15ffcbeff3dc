"""Sync tasks queued in bulk: the packages django-q2's `async_task` would queue, built with one
signer for the lot and handed to the broker together instead of one call (and, for the database
broker, one reconnect) per task.

A package is exactly what `async_task(func, id, group="sync")` signs (`SignedPackage.dumps`),
so a worker cannot tell the two apart; the test suite loads them back with
`SignedPackage.loads`. Brokers other than the database and Redis get one `async_task` each.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from django.core.signing import TimestampSigner, b64_encode
from django.db import connections, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django_q.brokers import Broker, get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signals import pre_enqueue
from django_q.signing import PickleSerializer
from django_q.tasks import async_task

from syncengine.repo_rows import insert_rows

SYNC_TASK = "syncengine.tasks.sync_user_task"


class PackageSigner(TimestampSigner):
    """Django's TimestampSigner with its HMAC key derived once instead of once per value
    (`salted_hmac` hashes salt and secret again for every signature): the same signatures."""

    def __init__(self, key: str, salt: str) -> None:
        super().__init__(key=key, salt=salt)
        assert self.algorithm == "sha256"  # what salted_hmac below is written for
        derived = hashlib.sha256(force_bytes(self.salt) + b"signer" + force_bytes(key)).digest()
        self._mac = hmac.new(derived, digestmod=hashlib.sha256)

    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        if key is not None:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(force_bytes(value))
        return b64_encode(mac.digest()).decode()


def signer() -> PackageSigner:
    return PackageSigner(key=Conf.SECRET_KEY, salt=Conf.PREFIX)


def package(sync_user_id: int, now: datetime, sign: TimestampSigner) -> str:
    """The signed task async_task would queue for one user's sync. Named after its user:
    django-q2's word names cost more than the rest of the package."""
    task_id = uuid4().hex
    task: dict[str, Any] = {
        "id": task_id,
        "name": f"sync-{sync_user_id}-{task_id[:8]}",
        "func": SYNC_TASK,
        "args": (sync_user_id,),
        "group": "sync",
        "kwargs": {},
        "started": now,
    }
    if Conf.CACHED:
        task["cached"] = Conf.CACHED
    if Conf.ACK_FAILURES:
        task["ack_failure"] = Conf.ACK_FAILURES
    pre_enqueue.send(sender="django_q", task=task)
    return sign.sign_object(task, serializer=PickleSerializer, compress=Conf.COMPRESSED)


def enqueue_syncs(sync_user_ids: Sequence[int], broker: Broker | None = None) -> None:
    """One sync task per user, queued together: one COPY (PostgreSQL) or a few multi-row
    INSERTs into the database broker's queue, or one pipelined RPUSH to Redis."""
    broker = broker or get_broker()
    redis = _is_redis(broker)
    if Conf.SYNC or not (redis or isinstance(broker, ORM)):
        for pk in sync_user_ids:
            async_task(SYNC_TASK, pk, group="sync")
        return
    now = timezone.now()
    sign = signer()
    packages = [package(pk, now, sign) for pk in sync_user_ids]
    if redis:
        pipe = broker.connection.pipeline(transaction=False)
        for start in range(0, len(packages), 1000):
            pipe.rpush(broker.list_key, *packages[start : start + 1000])
        pipe.execute()
        return
    _insert_orm(broker.list_key or Conf.CLUSTER_NAME, packages, now)


def _is_redis(broker: Broker) -> bool:
    # Not imported here: the redis package is an optional extra. A Redis broker exists only
    # once django-q2 has imported its module.
    module = sys.modules.get("django_q.brokers.redis_broker")
    return module is not None and isinstance(broker, module.Redis)


def _insert_orm(key: str, packages: list[str], now: datetime) -> None:
    db = connections[Conf.ORM]
    lock = db.ops.adapt_datetimefield_value(now)
    rows = [(key, payload, lock) for payload in packages]
    table = OrmQ._meta.db_table
    with transaction.atomic(using=Conf.ORM):
        if db.vendor != "postgresql":
            # Plain multi-row INSERTs: bulk_create spends more on each value than the insert.
            insert_rows(table, ["key", "payload", "lock"], rows, using=Conf.ORM)
            return
        # COPY streams the rows without the statement's 30,000 placeholders to parse.
        quote = db.ops.quote_name
        columns = ", ".join(quote(c) for c in ("key", "payload", "lock"))
        with (
            db.cursor() as cursor,
            cursor.cursor.copy(  # type: ignore[attr-defined]
                f"COPY {quote(table)} ({columns}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
