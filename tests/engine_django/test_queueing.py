"""Sync tasks queued in bulk (syncengine/queueing.py) are the very packages django-q2 queues."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signing import TimestampSigner
from django.utils import timezone
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.signing import SignedPackage

from syncengine import queueing


def test_the_package_signer_signs_exactly_like_djangos_timestamp_signer() -> None:
    ours = queueing.PackageSigner(key="k" * 50, salt="django_q")
    django = TimestampSigner(key="k" * 50, salt="django_q")
    for value in ["", "abc", "é:1:2", "x" * 5000]:
        assert ours.signature(value) == django.signature(value)


def test_a_bulk_package_loads_as_the_task_async_task_would_have_queued() -> None:
    now = timezone.now()
    task = SignedPackage.loads(queueing.package(42, now, queueing.signer()))

    assert task["func"] == "syncengine.tasks.sync_user_task"
    assert task["args"] == (42,) and task["kwargs"] == {}
    assert task["group"] == "sync" and task["started"] == now
    assert task["name"].startswith("sync-42-")


class FakeRedis:
    """The few commands the Redis broker's bulk path uses, kept in a dict of lists."""

    def __init__(self) -> None:
        self.lists: dict[str, list[str]] = {}
        self.round_trips = 0

    def pipeline(self, transaction: bool = True) -> FakeRedis:
        return self

    def rpush(self, key: str, *values: str) -> None:
        self.lists.setdefault(key, []).extend(values)

    def execute(self) -> None:
        self.round_trips += 1


class RedisOnFake(Redis):
    @staticmethod
    def get_connection(list_key: str | None = None) -> Any:
        return FakeRedis()


def test_with_redis_as_broker_every_user_is_pushed_in_one_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Conf, "SYNC", False)  # the test settings run tasks inline
    broker = RedisOnFake("lsync")
    users = list(range(1, 2502))

    queueing.enqueue_syncs(users, broker)

    fake = broker.connection
    queued = [SignedPackage.loads(p) for p in fake.lists[broker.list_key]]
    assert [task["args"][0] for task in queued] == users
    assert len({task["id"] for task in queued}) == len(users)
    assert fake.round_trips == 1
