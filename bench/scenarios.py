"""Named scenarios for issue 14's figures: `bench/run.py --list`, `bench/run.py NAME --json`.

Each scenario is a function of the parsed options that returns its figures as one flat dict (the
keys the issue names where they apply, plus what explains them). Every scenario runs on a fresh
SQLite database in a temporary directory, so two runs never share state. Nothing here asserts a
time: the figures are printed, and bench/RESULTS.md keeps the ones measured for the issue.

The scenarios only use product APIs that main had before issue 14 where they can (falling back
when a newer one is missing), so the same file measures "before" on a copy of main's code.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Figures = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    run: Callable[[argparse.Namespace], Figures]
    # Runs before Django starts (services the scenario needs); returns why it is skipped or None.
    setup: Callable[[ExitStack, Path], str | None] | None = None


def _mapping_writes(args: argparse.Namespace) -> Figures:
    from bench import mapwrites

    return mapwrites.run(args.size or 5000)


def _mapping_writes_emulated(args: argparse.Namespace) -> Figures:
    from bench import mapwrites

    return mapwrites.emulated(args.size or 5000)


def _nochange(mail: str, feed: bool = False) -> Callable[[argparse.Namespace], Figures]:
    def run(args: argparse.Namespace) -> Figures:
        from bench import nochange

        if not feed:
            return nochange.run(mail, args.size or 200)  # main's signature: "before" runs too
        return nochange.run(mail, args.size or 200, feed=True)

    return run


def _dispatch(args: argparse.Namespace) -> Figures:
    from bench import dispatching

    return dispatching.run(args.size or 1000)


def _scaleout(args: argparse.Namespace) -> Figures:
    from bench import scaleout

    workers = [int(w) for w in args.workers.split(",")]
    return scaleout.run(args.size or 10000, workers, args.duplicates, Path(args.directory))


def _scaleout_setup(stack: ExitStack, directory: Path) -> str | None:
    from bench import scaleout

    return scaleout.setup(stack, directory)


def _large_user(args: argparse.Namespace) -> Figures:
    from bench import largeuser

    return largeuser.run(args.size or 50000)


def _initial_speedup(args: argparse.Namespace) -> Figures:
    from bench import speedup

    return speedup.run(args.size or 1000, args.latency_ms, args.repeat)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "mapping-writes",
            "5,000 contacts over memory stores, the real mapping repo: share of the run spent "
            "writing mappings (mapping_write_share)",
            _mapping_writes,
        ),
        Scenario(
            "mapping-writes-emulated",
            "5,000 contacts' initial sync over the HTTPS Salesforce and Microsoft 365 emulators, "
            "in a worker process: share of the run spent writing mappings "
            "(mapping_write_share_emulated)",
            _mapping_writes_emulated,
        ),
        Scenario(
            "nochange-microsoft365",
            "Microsoft 365 emulator: HTTP requests of the run after the initial sync and of a "
            "steady run with no changes (nochange_requests_per_side_kind)",
            _nochange("microsoft365"),
        ),
        Scenario(
            "nochange-google",
            "Google emulator: the same as nochange-microsoft365",
            _nochange("google"),
        ),
        Scenario(
            "nochange-microsoft365-feed",
            "nochange-microsoft365 with the Salesforce change feed on: the feed is read once per "
            "kind for the org (feed_requests), a user's run reads Salesforce only when it saw "
            "something of theirs",
            _nochange("microsoft365", feed=True),
        ),
        Scenario(
            "nochange-google-feed",
            "nochange-google with the Salesforce change feed on",
            _nochange("google", feed=True),
        ),
        Scenario(
            "dispatch",
            "1,000 due users claimed and enqueued in one dispatcher tick (dispatch_seconds)",
            _dispatch,
        ),
        Scenario(
            "initial-speedup",
            "1,000 contacts at 40 ms per request: lsync's initial sync against the naive "
            "per-item strategy in the same run (initial_speedup_vs_naive)",
            _initial_speedup,
        ),
        Scenario(
            "scaleout",
            "django-q2 with Redis and PostgreSQL, 1, 2 and 3 qcluster processes over 10,000 "
            "users (users_per_minute, double_claims); skipped without PostgreSQL or Redis",
            _scaleout,
            _scaleout_setup,
        ),
        Scenario(
            "large-user",
            "50,000 contacts for one user over the HTTPS emulators, a fresh worker process per "
            "phase: peak_rss_mb per phase, nochange_seconds, first_run_after_initial_seconds",
            _large_user,
        ),
    )
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true", help="name the scenarios and stop")
    parser.add_argument("--size", type=int, default=0, help="items or users (scenario default)")
    parser.add_argument("--repeat", type=int, default=3, help="initial-speedup: runs of each")
    parser.add_argument("--workers", default="1,2,3", help="scaleout: qcluster processes per round")
    parser.add_argument(
        "--duplicates", type=float, default=0.1, help="scaleout: share of users queued twice"
    )


def main_with(name: str | None, args: argparse.Namespace, as_json: bool) -> int:
    if args.list or name is None:
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:<24} {scenario.summary}")
        return 0
    from bench.wiring import configure_django

    scenario = SCENARIOS[name]
    with tempfile.TemporaryDirectory(prefix="lsync-bench-") as directory, ExitStack() as stack:
        skipped = scenario.setup(stack, Path(directory)) if scenario.setup else None
        if skipped is None:
            args.directory = directory
            configure_django(Path(directory))
            figures = scenario.run(args)
    if skipped is not None:
        figures = {"skipped": f"{name} skipped: {skipped}"}
    figures = {"scenario": name, **figures}
    if as_json:
        print(json.dumps(figures, sort_keys=False))
    else:
        for key, value in figures.items():
            print(f"{key:<36} {value}")
    return 0
