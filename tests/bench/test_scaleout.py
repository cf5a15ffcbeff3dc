"""The scale-out benchmark's own arithmetic (bench/scaleout.py) and its skip without services.

The benchmark itself needs PostgreSQL, Redis and real qcluster processes: it is run by hand
(`bench/run.py scaleout`), never by the suite."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import scaleout, scenarios, services

T0 = datetime(2026, 12, 7, 12, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_runs_of_one_user_one_after_the_other_are_no_double_claim() -> None:
    runs = [
        (1, "contacts", at(0), at(5)),
        (1, "contacts", at(5), at(9)),
        (2, "contacts", at(1), at(4)),
    ]
    assert scaleout.overlapping_pairs(runs) == 0


def test_two_runs_of_one_user_at_the_same_moment_are_a_double_claim() -> None:
    runs = [
        (1, "contacts", at(0), at(5)),
        (1, "contacts", at(4), at(6)),
        (1, "events", at(1), at(2)),
    ]
    assert scaleout.overlapping_pairs(runs) == 1


def test_a_run_that_never_finished_overlaps_every_later_run_of_its_user() -> None:
    runs = [
        (3, "contacts", at(0), None),
        (3, "contacts", at(60), at(61)),
        (3, "contacts", at(90), at(95)),
    ]
    assert scaleout.overlapping_pairs(runs) == 2


def test_users_per_minute_counts_from_the_first_start_to_the_last_end() -> None:
    assert scaleout.per_minute(300, at(0), at(90)) == 200.0
    assert scaleout.per_minute(5, at(0), at(0)) == 0.0


def test_a_wait_counts_only_beyond_the_interval_plus_one_tick() -> None:
    assert scaleout.beyond(1000, interval_seconds=3600, tick_seconds=60) == 0.0
    assert scaleout.beyond(3700.5, interval_seconds=3600, tick_seconds=60) == 40.5


def test_without_postgresql_the_scenario_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LSYNC_BENCH_DATABASE_URL", raising=False)
    parser = argparse.ArgumentParser()
    scenarios.add_arguments(parser)

    assert scenarios.main_with("scaleout", parser.parse_args([]), as_json=True) == 0
    assert "skipped: needs PostgreSQL" in capsys.readouterr().out


def test_a_named_redis_that_does_not_answer_skips_the_scenario(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LSYNC_BENCH_REDIS_URL", f"redis://127.0.0.1:{services.free_port()}/0")
    with ExitStack() as stack:
        url, missing = services.redis_server(stack, tmp_path)
    assert missing is not None and "does not answer" in missing


def test_a_copy_is_queued_right_behind_every_tenth_user() -> None:
    assert scaleout.with_copies(list(range(1, 13)), 0.1) == [1, 1, *range(2, 11), 11, 11, 12]
    assert scaleout.with_copies([5, 6], 0) == [5, 6]
