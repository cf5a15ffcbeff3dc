"""A store that overlaps writes (`overlaps_writes`, the Graph stores) has its next batch under way
while the executor records the last answer. What is recorded, what stops a run and what a crash
leaves behind are the same as for a store that does not."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from syncengine.engine import run_sync
from syncengine.state import is_pending
from syncengine.stores.base import Op, OpResult, RateLimited
from syncengine.stores.memory import MemoryStore, SimulatedCrash
from tests.syncengine.test_engine import S, contact, converge, emails, pair


def overlapping(mb: MemoryStore) -> list[str]:
    """Lets `mb` overlap its writes; the names of the threads its batches ran in."""
    mb.overlaps_writes = True  # type: ignore[attr-defined]
    threads: list[str] = []
    real_apply = mb.apply

    def apply(ops: Sequence[Op]) -> list[OpResult]:
        threads.append(threading.current_thread().name)
        return real_apply(ops)

    mb.apply = apply  # type: ignore[method-assign]
    return threads


def test_every_answer_is_recorded_when_batches_overlap() -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(7):
        sf.put(contact(n))
    threads = overlapping(mb)

    result = run_sync(sf, mb, repo, S)

    assert result.status == "ok" and result.counts["created_mailbox"] == 7
    assert len(threads) == 4 and all(t.startswith("lsync-apply") for t in threads)
    assert len(repo.mappings) == 7 and not any(is_pending(m) for m in repo.load())
    assert run_sync(sf, mb, repo, S).plan.describe() == []  # type: ignore[union-attr]


def test_a_store_that_does_not_overlap_writes_in_the_runs_own_thread() -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(3):
        sf.put(contact(n))
    threads: list[str] = []
    real_apply = mb.apply

    def apply(ops: Sequence[Op]) -> list[OpResult]:
        threads.append(threading.current_thread().name)
        return real_apply(ops)

    mb.apply = apply  # type: ignore[method-assign]

    run_sync(sf, mb, repo, S)

    assert threads == [threading.current_thread().name] * 2


def test_a_throttled_item_stops_the_run_before_another_batch_goes_out() -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(7):
        sf.put(contact(n))
    threads = overlapping(mb)
    counted_apply = mb.apply

    def throttle_second(ops: Sequence[Op]) -> list[OpResult]:
        results = counted_apply(ops)
        if len(threads) == 2:
            limited = RateLimited("slow down", retry_after=30)
            results[1] = OpResult(False, "", "", limited)
        return results

    mb.apply = throttle_second  # type: ignore[method-assign]

    result = run_sync(sf, mb, repo, S)

    assert result.status == "throttled" and len(threads) == 2
    assert len([m for m in repo.load() if not is_pending(m)]) == 3
    mb.apply = counted_apply  # type: ignore[method-assign]
    converge(sf, mb, repo)
    assert emails(mb) == emails(sf) and len(repo.mappings) == 7


@pytest.mark.parametrize("crash_batch", [1, 2, 3])
def test_a_crash_while_batches_overlap_leaves_the_last_answer_recorded(crash_batch: int) -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(5):
        sf.put(contact(n))
    threads = overlapping(mb)
    counted_apply = mb.apply

    def crash_on(ops: Sequence[Op]) -> list[OpResult]:
        if len(threads) == crash_batch - 1:
            mb.crash_after_write(1)
        return counted_apply(ops)

    mb.apply = crash_on  # type: ignore[method-assign]
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, S)

    assert len([m for m in repo.load() if not is_pending(m)]) == 2 * (crash_batch - 1)
    mb.apply = counted_apply  # type: ignore[method-assign]
    converge(sf, mb, repo)
    assert emails(mb) == emails(sf) and len(mb) == 5 and len(repo.mappings) == 5


def test_the_last_answer_is_recorded_when_the_lease_is_lost_meanwhile() -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(5):
        sf.put(contact(n))
    threads = overlapping(mb)
    fenced = {"n": 0}

    def fence() -> None:
        from syncengine.executor import LeaseLost

        fenced["n"] += 1
        if len(threads) == 2:
            raise LeaseLost

    result = run_sync(sf, mb, repo, S, fence=fence)

    assert result.status == "abandoned" and len(threads) == 2
    assert len([m for m in repo.load() if not is_pending(m)]) == 4
    assert len(mb) == 4
