from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from syncengine import dispatch
from syncengine.models import LinkStatus, SyncConfiguration, SyncUser
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


def test_only_due_linked_users_of_active_configurations_are_claimed(make_user: MakeUser) -> None:
    now = timezone.now()
    due = make_user()
    expired_lease = make_user(lease_owner="dead", lease_expires_at=now - timedelta(seconds=1))
    make_user(next_due_at=now + timedelta(minutes=1))
    make_user(link_status=LinkStatus.PENDING)
    make_user(backoff_until=now + timedelta(minutes=5))
    make_user(lease_owner="alive", lease_expires_at=now + timedelta(minutes=5))
    make_user(configuration=SyncConfiguration.objects.create(name="Off", active=False))
    make_user(configuration=None)

    later = now + timedelta(seconds=1)  # every user above was created after `now`
    assert sorted(dispatch.claim_due(later)) == sorted([due.pk, expired_lease.pk])


def test_a_claimed_user_waits_one_interval_before_it_is_due_again(make_user: MakeUser) -> None:
    user = make_user()
    now = timezone.now()
    assert dispatch.claim_due(now) == [user.pk]
    assert dispatch.claim_due(now) == []
    user.refresh_from_db()
    assert user.next_due_at == now + dispatch.sync_interval(1)
    assert dispatch.claim_due(user.next_due_at) == [user.pk]


def test_two_interleaved_dispatchers_never_claim_the_same_user(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [make_user().pk for _ in range(5)]
    real_claim = dispatch._claim_chunk
    inner: list[int] = []

    def other_dispatcher_runs_in_between(now: object, interval: object, size: int) -> list[int]:
        if not inner:
            # The first dispatcher is about to claim; the second one runs to the end first.
            monkeypatch.setattr(dispatch, "_claim_chunk", real_claim)
            inner.extend(dispatch.dispatch(lambda pks: None))
            monkeypatch.setattr(dispatch, "_claim_chunk", other_dispatcher_runs_in_between)
        return real_claim(now, interval, size)  # type: ignore[arg-type]

    monkeypatch.setattr(dispatch, "_claim_chunk", other_dispatcher_runs_in_between)
    outer = dispatch.dispatch(lambda pks: None)

    assert sorted(inner) == sorted(users)
    assert outer == []


def test_claims_in_chunks_never_return_a_user_twice(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "CLAIM_CHUNK", 3)
    users = {make_user().pk for _ in range(10)}
    now = timezone.now() + timedelta(seconds=1)
    first = dispatch.claim_due(now, limit=7)
    second = dispatch.claim_due(now)

    assert len(first) == len(set(first)) == 7
    assert set(first) | set(second) == users
    assert not set(first) & set(second)
    assert dispatch.claim_due(now) == []


def test_one_tick_claims_more_than_the_old_cap_of_200_users(make_user: MakeUser) -> None:
    interval = dispatch.sync_interval(10_000)
    assert dispatch.tick_limit(10_000, interval) > 200
    # Twice the users due per tick on average: a backlog of every user drains in half an interval.
    assert dispatch.tick_limit(10_000, interval) * interval.total_seconds() / 60 >= 2 * 10_000


def test_dispatch_enqueues_every_claimed_user_at_once(make_user: MakeUser) -> None:
    users = sorted(make_user().pk for _ in range(4))
    calls: list[list[int]] = []
    claimed = dispatch.dispatch(calls.append, timezone.now() + timedelta(seconds=1))

    assert sorted(claimed) == users
    assert calls == [claimed]


@pytest.mark.django_db(transaction=True)
def test_dispatchers_in_two_threads_split_the_due_users(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the interleaving test covers it")
    users = {make_user().pk for _ in range(12)}
    monkeypatch.setattr(dispatch, "CLAIM_CHUNK", 2)
    real_claim = dispatch._claim_chunk

    def slow_claim(now: object, interval: object, size: int) -> list[int]:
        claimed = real_claim(now, interval, size)  # type: ignore[arg-type]
        time.sleep(0.01)  # keep both transactions open at the same time
        return claimed

    monkeypatch.setattr(dispatch, "_claim_chunk", slow_claim)
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            barrier.wait()
            claimed[slot] = dispatch.claim_due()
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert not set(claimed[0]) & set(claimed[1])
    assert set(claimed[0]) | set(claimed[1]) == users


def test_a_lease_keeps_a_second_worker_away_until_it_expires(make_user: MakeUser) -> None:
    user = make_user()
    now = timezone.now()
    assert dispatch.claim_lease(user.pk, "worker-a", now)
    assert not dispatch.claim_lease(user.pk, "worker-b", now)
    later = now + timedelta(seconds=dispatch.lease_seconds() + 1)
    assert dispatch.claim_lease(user.pk, "worker-b", later)
    # The dead worker coming back can neither renew nor release what it lost.
    assert not dispatch.renew_lease(user.pk, "worker-a", later)
    dispatch.release_lease(user.pk, "worker-a")
    assert SyncUser.objects.get(pk=user.pk).lease_owner == "worker-b"
    dispatch.release_lease(user.pk, "worker-b")
    assert dispatch.claim_lease(user.pk, "worker-c", later)


def test_a_dead_workers_user_is_dispatched_again_once_its_lease_expires(
    make_user: MakeUser,
) -> None:
    user = make_user()
    now = timezone.now()
    assert dispatch.claim_lease(user.pk, "worker-that-dies", now)
    assert dispatch.claim_due(now) == []
    after = now + timedelta(seconds=dispatch.lease_seconds() + 1)
    assert dispatch.claim_due(after) == [user.pk]


def test_a_renewed_lease_lasts_longer(make_user: MakeUser) -> None:
    user = make_user()
    now = timezone.now()
    dispatch.claim_lease(user.pk, "a", now)
    assert dispatch.renew_lease(user.pk, "a", now + timedelta(minutes=5))
    before_new_expiry = now + timedelta(seconds=dispatch.lease_seconds() + 1)
    assert not dispatch.claim_lease(user.pk, "b", before_new_expiry)


@pytest.mark.parametrize(
    ("failures", "retry_after", "expected"),
    [
        (1, None, 60),
        (2, None, 120),
        (3, None, 240),
        (6, None, 1920),
        (7, None, 3600),  # capped at one hour
        (500, None, 3600),  # no overflow however long it fails
        (1, 90.0, 90),  # Retry-After above our delay wins
        (3, 30.0, 240),  # ...but never shortens it
        (1, 7200.0, 7200),  # a provider may ask for more than our cap
        (1, 10 * 86400.0, 86400),  # within reason
    ],
)
def test_backoff_is_exponential_capped_and_honours_retry_after(
    failures: int, retry_after: float | None, expected: float
) -> None:
    assert dispatch.backoff_seconds(failures, retry_after) == expected


def test_failures_back_a_user_off_and_a_success_clears_it(make_user: MakeUser) -> None:
    user = make_user()
    now = timezone.now()
    first = dispatch.record_failure(user.pk, now=now)
    second = dispatch.record_failure(user.pk, retry_after=600, now=now)
    assert (first - now, second - now) == (timedelta(seconds=60), timedelta(seconds=600))
    assert dispatch.claim_due(now + timedelta(seconds=599)) == []
    user.refresh_from_db()
    assert user.consecutive_failures == 2
    dispatch.record_success(user.pk)
    user.refresh_from_db()
    assert (user.consecutive_failures, user.backoff_until) == (0, None)
    assert dispatch.claim_due(now) == [user.pk]


def test_the_interval_grows_with_the_number_of_users_up_to_an_hour() -> None:
    small, large, huge = (dispatch.sync_interval(n) for n in (10, 1000, 10**6))
    assert small == timedelta(minutes=5)
    assert small < large < huge == timedelta(hours=1)


def test_due_users_are_queued_in_one_go_with_the_database_as_broker(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from syncengine import tasks

    monkeypatch.setattr(Conf, "SYNC", False)  # the test settings run tasks inline
    users = sorted(make_user().pk for _ in range(3))

    assert tasks.dispatch_due() == 3

    queued = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert sorted(task["args"][0] for task in queued) == users
    assert {task["func"] for task in queued} == {"syncengine.tasks.sync_user_task"}
    assert len({task["id"] for task in queued}) == 3
