"""The `large-user` scenario: one user with many contacts (Lightning Sync's limit is 50,000),
through the HTTPS emulators, each phase in a fresh worker process.

A driver process (`python -m bench.largeuser drive N`) serves the Salesforce and Microsoft
emulators over HTTPS on loopback (bench/soak/world.py's world), seeds N contacts owned by the
user in Salesforce, then starts one worker process per phase (`python -m bench.largeuser phase`),
which syncs the user's contacts once and reports its wall time and its peak resident memory
(`ru_maxrss`, so the figure is the process's own, emulators excluded):

- initial: the initial sync (everything created in the mailbox);
- after_initial: the first run after it (the mailbox's delta reports lsync's own writes);
- nochange: a run with nothing changed;
- full_listing: both cursors forgotten, so both sides are listed in full and matched.

`idle_rss_mb` is a worker's memory once Django is set up, before its run. bench/run.py runs the
driver in a process of its own, since it configures Django its own way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("initial", "after_initial", "nochange", "full_listing")


def run(
    contacts: int, phases: tuple[str, ...] = PHASES, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The scenario: the driver in a process of its own (its workers inherit `env` too); its
    figures."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.largeuser", "drive", str(contacts), ",".join(phases)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: that survives the
    exec of a forked child, so a worker started by the driver would report the driver's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def phase(user_pk: int, reset: bool, name: str = "") -> dict[str, Any]:
    """One worker process, one run of the user's contacts. With LSYNC_BENCH_PROFILE set, its
    cProfile statistics go to that path plus `.<phase>`."""
    import django

    django.setup()
    # What a long-running worker has loaded after its first run: not part of any run's cost.
    import connections.providers.microsoft.stores
    import connections.providers.salesforce.stores  # noqa: F401
    from syncengine import service
    from syncengine.repo_db import DbMappingRepo

    idle = _rss_mb()
    timer = None
    if os.environ.get("LSYNC_BENCH_TIME_WRITES"):
        from bench.mapwrites import time_writes

        timer = time_writes(DbMappingRepo)
    if reset:
        from syncengine.models import SyncUser

        user = SyncUser.objects.get(pk=user_pk)
        DbMappingRepo(user, "contacts").save_cursors({"salesforce": None, "mailbox": None})
    started, cpu = time.perf_counter(), time.process_time()
    profile = os.environ.get("LSYNC_BENCH_PROFILE")
    if profile:
        import cProfile

        with cProfile.Profile() as profiler:
            outcome = service.sync_user(user_pk, "contacts")
        profiler.dump_stats(f"{profile}.{name}" if name else profile)
    else:
        outcome = service.sync_user(user_pk, "contacts")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "peak_rss_mb": _rss_mb(),
        "idle_rss_mb": idle,
        "status": outcome.status,
        "message": outcome.message if outcome.status != "ok" else "",
        "counts": {k: v for k, v in outcome.counts.items() if v},
        **({"mapping_write_seconds": round(timer.seconds, 3)} if timer else {}),
    }


def drive(contacts: int, phases: tuple[str, ...] = PHASES) -> dict[str, Any]:
    from bench.soak.world import World

    with tempfile.TemporaryDirectory(prefix="lsync-large-") as directory:
        world = World(Path(directory), "microsoft", 1)
        world.start()
        try:
            world.connect(1)
            from syncengine.models import SyncUser

            user = SyncUser.objects.get(pk=world.users[0])
            for n in range(contacts):
                world.salesforce.add_record(
                    "Contact",
                    {
                        "FirstName": f"Per{n}",
                        "LastName": "Lie",
                        "Email": f"per{n}@client.example",
                        "Title": "Buyer",
                        "MobilePhone": f"+47 900 {n:05d}",
                    },
                    as_user=user.salesforce_user_id,
                )
            figures: dict[str, Any] = {"contacts": contacts}
            for name in phases:
                worker = subprocess.run(
                    [sys.executable, "-m", "bench.largeuser", "phase", str(user.pk), name]
                    + (["--reset"] if name == "full_listing" else []),
                    cwd=ROOT,
                    # A listing of 50,000 items takes the emulator longer than the soak's timeout.
                    env={**os.environ, **world.env, "LSYNC_HTTP_TIMEOUT": "600"},
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures[name] = json.loads(worker.stdout.strip().splitlines()[-1])
        finally:
            world.stop()
    if phases != PHASES:
        return figures
    peaks = {name: figures[name]["peak_rss_mb"] for name in PHASES}
    return {
        **figures,
        "peak_rss_mb": max(peaks.values()),
        "peak_rss_mb_per_phase": peaks,
        "idle_rss_mb": figures["nochange"]["idle_rss_mb"],
        "nochange_seconds": figures["nochange"]["seconds"],
        "first_run_after_initial_seconds": figures["after_initial"]["seconds"],
    }


def main(argv: list[str]) -> int:
    if argv[0] == "drive":
        phases = tuple(argv[2].split(",")) if len(argv) > 2 else PHASES
        print(json.dumps(drive(int(argv[1]), phases)))
    elif argv[0] == "phase":
        names = [a for a in argv[2:] if not a.startswith("--")]
        print(json.dumps(phase(int(argv[1]), "--reset" in argv, names[0] if names else "")))
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
