"""Speed and memory of the sync engine, measured outside the test suite.

    .venv/bin/python bench/run.py [--sizes 1000,5000] [--json var/bench.json]
    .venv/bin/python bench/run.py --providers [--contacts 500] [--events 300]
                                  [--mail microsoft365|google|both] [--json var/bench.json]
    .venv/bin/python bench/run.py exchange [--contacts 1000] [--latency-ms 40] [--json FILE]
    .venv/bin/python bench/run.py --list
    .venv/bin/python bench/run.py SCENARIO [--size N] [--json]   (bench/scenarios.py)

Each scenario runs the real engine (planner, guards, executor, mapping repo) over in-memory
stores, so the figures are the engine's own cost, without network latency. Peak memory is
tracemalloc's peak for the scenario.

`--providers` runs bench/providers.py instead: a whole sync through the provider stores against
the in-process emulators (its docstring says what it measures). The `exchange` scenario runs
bench/exchange.py: Exchange's initial sync, bulk against per-item writes, at a set latency.
The named scenarios of bench/scenarios.py print one JSON object each with `--json`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import providers  # noqa: E402
from syncengine.engine import run_sync  # noqa: E402
from syncengine.policy import SyncSettings  # noqa: E402
from syncengine.records import Contact, Event  # noqa: E402
from syncengine.state import MemoryRepo  # noqa: E402
from syncengine.stores.memory import MemoryStore  # noqa: E402


@dataclass
class Figure:
    scenario: str
    size: int
    seconds: float
    peak_mib: float
    api_calls: int
    status: str

    def row(self) -> str:
        return (
            f"{self.scenario:<34} {self.size:>7} {self.seconds:>9.3f} s "
            f"{self.peak_mib:>8.1f} MiB {self.api_calls:>7} calls  {self.status}"
        )


def contact(rng: random.Random, i: int) -> Contact:
    return Contact.normalized(
        first_name=rng.choice(["Ana", "José", "Zoë", "Björn", "Chloé"]),
        last_name=f"Núñez{i}",
        emails=[f"person{i}@example.com"],
        company=rng.choice(["Acme", "Globex", "Initech"]),
        business_phone=f"+1 415 555 {i % 10000:04d}",
        mailing_address={"street": f"{i} Market St", "city": "San Francisco", "country": "US"},
        description="Met at the conference.\nFollow up in Q3.",
    )


def event(rng: random.Random, i: int) -> Event:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(hours=i)
    return Event.normalized(
        subject=f"Meeting {i}",
        start=start,
        end=start + timedelta(minutes=30),
        time_zone="Europe/Paris",
        location="Room 1",
        attendees=[{"email": f"guest{i}@example.com", "name": "Guest"}],
        recurrence="FREQ=WEEKLY;BYDAY=MO" if i % 10 == 0 else None,
    )


def measure(name: str, size: int, body: Callable[[], tuple[int, str]]) -> Figure:
    tracemalloc.start()
    started = time.perf_counter()
    calls, status = body()
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Figure(name, size, seconds, peak / 2**20, calls, status)


def scenario(kind: str, size: int) -> list[Figure]:
    rng = random.Random(size)
    make = contact if kind == "contacts" else event
    sf = MemoryStore("salesforce", kind, max_batch=200)  # type: ignore[arg-type]
    mail = MemoryStore("mailbox", kind, max_batch=20)  # type: ignore[arg-type]
    # Half the items exist on both sides already (initial matching), a quarter on each side only.
    for i in range(size):
        record = make(rng, i)
        if i % 4 != 3:
            sf.put(record)
        if i % 4 != 2:
            mail.put(record)
    repo = MemoryRepo()
    settings = SyncSettings(mass_delete_percent=100, mass_delete_count=10**9)

    def run() -> tuple[int, str]:
        result = run_sync(sf, mail, repo, settings)
        return result.total_api_calls, result.status

    figures = [measure(f"{kind}: initial sync", size, run)]
    figures.append(measure(f"{kind}: second run (no changes)", size, run))
    sf_ids = list(sf.records())
    for item_id in rng.sample(sf_ids, max(1, size // 100)):
        sf.edit(item_id, make(rng, size + rng.randint(0, 10**6)))
    figures.append(measure(f"{kind}: 1% edited in Salesforce", size, run))
    return figures


def scenario_main(argv: list[str]) -> int:
    from bench import scenarios

    parser = argparse.ArgumentParser(description=scenarios.__doc__)
    parser.add_argument("name", nargs="?", choices=sorted(scenarios.SCENARIOS))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--latency-ms", type=float, default=40.0)
    scenarios.add_arguments(parser)
    args = parser.parse_args(argv)
    return scenarios.main_with(args.name, args, args.json)


def main() -> int:
    from bench import day
    from bench.scenarios import SCENARIOS

    argv = sys.argv[1:]
    if argv and argv[0] in day.SCENARIOS:
        return day.main(argv)  # the simulated days of issue 15 (bench/day.py)
    if "--list" in argv:
        scenario_main(argv)
        for name in sorted(day.SCENARIOS):
            print(f"{name:<24} a simulated day with the Salesforce change feed (bench/day.py)")
        return 0
    if argv and argv[0] in SCENARIOS:
        return scenario_main(argv)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenario", nargs="?", choices=["engine", "exchange"], default="engine",
        help="engine (default): the engine over memory stores; exchange: bench/exchange.py",
    )  # fmt: skip
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--providers", action="store_true", help="run bench/providers.py")
    providers.add_arguments(parser, with_json=False)
    parser.add_argument("--latency-ms", type=float, default=40.0, help="exchange: per request")
    args = parser.parse_args()
    if args.scenario == "exchange":
        from bench import exchange

        if not any(a.startswith("--contacts") for a in sys.argv[1:]):
            args.contacts = 1000  # --contacts is shared with --providers, whose default is 500
        return exchange.main_with(args)
    if args.providers:
        return providers.main_with(args)
    figures: list[Figure] = []
    for size in (int(s) for s in args.sizes.split(",")):
        for kind in ("contacts", "events"):
            for figure in scenario(kind, size):
                print(figure.row(), flush=True)
                figures.append(figure)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([vars(f) for f in figures], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
