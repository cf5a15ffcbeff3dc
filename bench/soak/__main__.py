"""The soak: `python -m bench.soak --cycles N --mail microsoft|google|exchange --seed S`
(`make soak`).

A company of users over the HTTPS emulators; each cycle the users edit both sides (faults off),
then a real `sync_now` process syncs everyone while about a fifth of all requests fail (every
fault kind), and is killed with SIGKILL at a random moment now and then. Then the faults stop, the
workers sync until quiet, and the invariants are checked against the ledger of what the users
did. Prints a table; exits 1 when an invariant is broken (`--strict`).
"""

from __future__ import annotations

import argparse
import json
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.soak import check, faults
from bench.soak.world import World

WRITE_KEYS = ("created_", "updated_", "deleted_", "linked", "conflicts", "unlinked")
WORKER_TIMEOUT = 180.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--mail", choices=("microsoft", "google", "exchange"), default="microsoft")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--faults", type=float, default=0.2, help="share of requests that fail")
    parser.add_argument("--kills", type=float, default=0.25, help="share of workers killed")
    parser.add_argument("--quiet-rounds", type=int, default=6)
    parser.add_argument("--max-minutes", type=float, default=120.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 on a broken invariant")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="work in DIR and keep its database afterwards"
    )
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        findings = soak(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="lsync-soak-") as tmp:
            findings = soak(args, Path(tmp))
    return 1 if args.strict and any(findings.counts[c] for c in check.COLUMNS) else 0


def soak(args: argparse.Namespace, directory: Path) -> check.Findings:
    rng = random.Random(args.seed)
    world = World(directory, args.mail, args.seed)
    world.start()
    world.connect(args.users)
    from bench.soak.edits import Editor
    from bench.soak.model import Ledger

    applied: Counter[str] = Counter()
    for emulator in world.emulators.values():
        faults.count_faults(emulator, applied)
    ledger = Ledger()
    editor = Editor(ledger, rng)
    stats: Counter[str] = Counter()
    durations: list[float] = []
    workers = Workers(world, stats)
    deadline = time.monotonic() + args.max_minutes * 60
    started = time.monotonic()
    for cycle in range(args.cycles):
        if time.monotonic() > deadline:
            stats["cycles cut by --max-minutes"] = args.cycles - cycle
            break
        stats["cycles"] += 1
        ledger.cycle = cycle + 1
        clear(world)
        # A cycle stands for the time between two syncs: a Retry-After given in the last one has
        # run out (otherwise one long 429 keeps a user out of every later cycle's faults).
        let_throttles_pass()
        editor.edit(world.users, rng.randint(1, 4))
        for emulator in world.emulators.values():
            faults.inject(emulator, args.faults)
        kill_at = rng.uniform(0.05, max(durations[-10:] or [3.0]) * 1.2)
        mark = last_run()
        took = workers.sync(kill_at if rng.random() < args.kills else None)
        stats["syncs"] += 1
        stats["guards approved"] += approve_guards(mark)
        if took is not None:
            durations.append(took)
        clear(world)
        if (cycle + 1) % 25 == 0:
            print(f"  cycle {cycle + 1}/{args.cycles} ({time.monotonic() - started:.0f} s)",
                  file=sys.stderr, flush=True)  # fmt: skip
    not_quiet = settle(workers, world.users, args.quiet_rounds)
    workers.stop()
    findings = check.Findings()
    findings.counts["users not quiet"] = len(not_quiet)
    for user in not_quiet:
        findings.examples.append(f"users not quiet: user {user}")
    from mappings.models import SyncRun

    findings.counts["runs left running"] = SyncRun.objects.filter(finished_at__isnull=True).count()
    for user in world.users:
        for kind in ("contacts", "events"):
            check.check_pair(findings, ledger, user, kind, editor.stores(user, kind))  # type: ignore[arg-type]
    world.stop()
    if args.keep is not None:
        lines = (json.dumps(entry, ensure_ascii=False) for entry in ledger.journal)
        (args.keep / "journal.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report(args, stats, ledger.counts, applied, findings, time.monotonic() - started)
    return findings


def clear(world: World) -> None:
    for emulator in world.emulators.values():
        emulator.clear_faults()


class Workers:
    """One worker process at a time: reused while it lives, replaced once killed."""

    def __init__(self, world: World, stats: Counter[str]) -> None:
        self.world, self.stats = world, stats
        self.process: subprocess.Popen[bytes] | None = None

    def sync(self, kill_at: float | None = None, timeout: float = WORKER_TIMEOUT) -> float | None:
        """Everyone synced once (seconds taken), or None when the worker was killed first."""
        if self.process is None:
            self.process = self.world.worker()
            self.stats["worker processes"] += 1
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        began = time.monotonic()
        process.stdin.write(b"go\n")
        process.stdin.flush()
        wait = kill_at if kill_at is not None else timeout
        ready, _, _ = select.select([process.stdout], [], [], wait)
        if ready and process.stdout.readline().strip() == b"done":
            return time.monotonic() - began
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.process = None
        self.stats["killed (SIGKILL)" if kill_at is not None else "killed after timeout"] += 1
        expire_leases()
        return None

    def stop(self) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=60)
            self.process = None


def last_run() -> int:
    from mappings.models import SyncRun

    return SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def approve_guards(mark: int) -> int:
    """The administrator approves every run a guard stopped since run `mark`: the soak's users
    delete freely, so each guard is a false alarm (counted in the table, not hidden)."""
    from mappings.models import SyncRun
    from syncengine.models import SyncUser
    from syncengine.operations import approve_guard_once

    stopped = SyncRun.objects.filter(pk__gt=mark, status="guard").values_list("sync_user_id")
    return approve_guard_once(SyncUser.objects.filter(pk__in=stopped)) if stopped else 0


def expire_leases() -> None:
    """Time passes until the killed worker's lease expires (minutes in production)."""
    from django.utils import timezone

    from syncengine.models import SyncUser

    SyncUser.objects.exclude(lease_owner="").update(lease_expires_at=timezone.now())


def let_throttles_pass() -> None:
    """Time passes until every Retry-After a provider gave has run out (a throttled user is
    refused by every path that syncs until then, as in production)."""
    from django.utils import timezone

    from syncengine.models import SyncUser

    SyncUser.objects.filter(throttled_until__isnull=False).update(throttled_until=timezone.now())


def settle(workers: Workers, users: list[int], rounds: int) -> list[int]:
    """Faults off: sync everyone until a run of each user and kind writes nothing."""
    from mappings.models import SyncRun

    quiet: set[int] = set()
    for _ in range(rounds):
        let_throttles_pass()
        mark = last_run()
        workers.sync(timeout=WORKER_TIMEOUT * 2)
        workers.stats["settling syncs"] += 1
        workers.stats["guards approved"] += approve_guards(mark)
        quiet = set()
        for user in users:
            runs = list(SyncRun.objects.filter(sync_user_id=user, pk__gt=mark))
            if len(runs) == 2 and all(_quiet(r.status, r.counts) for r in runs):
                quiet.add(user)
        if len(quiet) == len(users):
            break
    return [u for u in users if u not in quiet]


def _quiet(status: str, counts: dict[str, int]) -> bool:
    return status == "ok" and not any(v for k, v in counts.items() if k.startswith(WRITE_KEYS))


def report(
    args: argparse.Namespace,
    stats: Counter[str],
    edits: dict[str, int],
    applied: Counter[str],
    findings: check.Findings,
    seconds: float,
) -> None:
    rows: list[tuple[str, object]] = [
        ("mail", args.mail), ("seed", args.seed), ("users", args.users),
        ("cycles", stats["cycles"]),
    ]  # fmt: skip
    rows += [(f"edits: {k}", v) for k, v in sorted(edits.items())]
    rows.append(("requests faulted", sum(applied.values())))
    rows += [(f"faults: {name}", applied[name]) for name, _, _ in faults.KINDS]
    for key in ("syncs", "worker processes", "killed (SIGKILL)", "killed after timeout", "settling syncs",
                "guards approved", "cycles cut by --max-minutes"):  # fmt: skip
        rows.append((key, stats[key]))
    rows += [(column, findings.counts[column]) for column in check.COLUMNS]
    rows.append(
        ("(revived: an edit beat the delete)", findings.counts["revived: an edit beat the delete"])
    )
    rows.append(("minutes", f"{seconds / 60:.1f}"))
    print(check.table(rows))
    if findings.examples:
        print("\nexamples:")
        for line in findings.examples:
            print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main())
