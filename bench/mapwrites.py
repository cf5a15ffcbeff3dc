"""The `mapping-writes` scenario: how much of an initial sync goes into writing mappings.

The real engine and the real mapping repo (`repo_db.DbMappingRepo` on SQLite) over memory stores,
so the run's cost is the engine's CPU plus the database, with no network. Half the contacts exist
on both sides (matched and linked), a quarter on each side only (created on the other). Every call
of the repo that writes (and the batch scopes that flush them) is timed; the share is that time
over the run's wall time. `mapping_write_database_seconds` is the part of it spent in the database
driver (statements and commits).

`mapping-writes-emulated` (`emulated`) times the same writes in a real worker's initial sync over
the HTTPS emulators: `mapping_write_share_emulated`.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

WRITES = ("upsert", "remove", "save_cursors", "mark_failed", "flush")


class TimedRepo:
    """Forwards to a repo and adds up the time spent in its writes."""

    def __init__(self, repo: Any) -> None:
        self.repo = repo
        self.write_seconds = 0.0
        self.load_seconds = 0.0
        self.write_calls = 0
        # Of write_seconds, the time spent in the database driver (database_time).
        self.database_seconds = 0.0
        self.writing = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.repo, name)
        if name in WRITES:
            attr = self._timed(attr)
        elif name in ("load", "load_for", "load_unsettled", "count_linked"):
            attr = self._timed_load(attr)
        # Kept, so the next call finds it without this look-up: the timer's own cost is not
        # the repo's.
        setattr(self, name, attr)
        return attr

    def _timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            self.writing = True
            try:
                return call(*args, **kwargs)
            finally:
                self.writing = False
                self.write_seconds += time.perf_counter() - started
                self.write_calls += 1

        return timed

    def _timed_load(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.load_seconds += time.perf_counter() - started

        return timed

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The repo's batch scope (where it has one): its opening and its flush count as writes."""
        scope = self.repo.batch() if hasattr(self.repo, "batch") else nullcontext()
        started = time.perf_counter()
        scope.__enter__()
        self.write_seconds += time.perf_counter() - started
        try:
            yield
        except BaseException as error:
            started = time.perf_counter()
            self.writing = True
            if not scope.__exit__(type(error), error, error.__traceback__):
                raise
        else:
            started = time.perf_counter()
            self.writing = True
            scope.__exit__(None, None, None)
        finally:
            self.writing = False
            self.write_seconds += time.perf_counter() - started


@contextmanager
def database_time(repo: TimedRepo) -> Iterator[None]:
    """Adds to repo.database_seconds the time its writes spend in the database driver
    (statements and commits): the part of them no change to the repo's Python removes."""
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    from syncengine import repo_db

    patched: list[tuple[Any, str]] = [(CursorWrapper, "execute"), (CursorWrapper, "executemany")]
    patched.append((BaseDatabaseWrapper, "commit"))
    if connection.vendor == "postgresql" and hasattr(repo_db, "copy_rows"):
        patched.append((repo_db, "copy_rows"))  # COPY runs on the driver's own cursor
    originals = [(cls, name, getattr(cls, name)) for cls, name in patched]

    def timed(call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not repo.writing:
                return call(*args, **kwargs)
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                repo.database_seconds += time.perf_counter() - started

        return wrapper

    for cls, name, call in originals:
        setattr(cls, name, timed(call))
    try:
        yield
    finally:
        for cls, name, call in originals:
            setattr(cls, name, call)


class WriteTimer:
    """The time spent in the writes of every repo of a class (time_writes)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0


def time_writes(cls: type) -> WriteTimer:
    """Times the writes of every instance of a repo class, for runs that make their own repo
    (service.sync_user): the calls TimedRepo times, and _flush, where a batch scope's end and a
    write outside a scope save. A write inside another is counted once."""
    timer = WriteTimer()

    def timed(call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            timer.depth += 1
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                timer.depth -= 1
                if not timer.depth:
                    timer.seconds += time.perf_counter() - started

        return wrapper

    for name in (*WRITES, "_flush"):
        if hasattr(cls, name):
            setattr(cls, name, timed(getattr(cls, name)))
    return timer


def emulated(size: int) -> dict[str, Any]:
    """The initial sync of `size` contacts over the HTTPS Salesforce and Microsoft 365 emulators,
    in a worker process of its own (bench/largeuser.py), its mapping writes timed."""
    from bench import largeuser

    figures = largeuser.run(size, ("initial",), {"LSYNC_BENCH_TIME_WRITES": "1"})
    run = figures["initial"]
    written = run["mapping_write_seconds"]
    return {
        "contacts": size,
        "status": run["status"],
        "run_seconds": run["seconds"],
        "mapping_write_seconds": written,
        "mapping_write_share_emulated": round(written / run["seconds"], 3),
        "counts": run["counts"],
    }


def sync_user(name: str = "ana") -> Any:
    from syncengine.models import LinkStatus, SyncConfiguration, SyncUser

    config, _ = SyncConfiguration.objects.get_or_create(name="Benchmark users")
    email = f"{name}@example.com"
    return SyncUser.objects.create(
        configuration=config, salesforce_user_id=f"005{zlib.crc32(name.encode()):015d}",
        username=email, email=email, mailbox_address=email, link_status=LinkStatus.LINKED,
    )  # fmt: skip


def run(size: int) -> dict[str, Any]:
    from bench.run import contact
    from syncengine.engine import run_sync
    from syncengine.policy import SyncSettings
    from syncengine.repo_db import DbMappingRepo
    from syncengine.stores.memory import MemoryStore

    rng = random.Random(size)
    sf = MemoryStore("salesforce", "contacts", max_batch=200)
    mail = MemoryStore("mailbox", "contacts", max_batch=20)
    for i in range(size):
        record = contact(rng, i)
        if i % 4 != 3:
            sf.put(record)
        if i % 4 != 2:
            mail.put(record)
    repo = TimedRepo(DbMappingRepo(sync_user(), "contacts"))
    settings = SyncSettings(mass_delete_percent=100, mass_delete_count=10**9)
    started = time.perf_counter()
    with database_time(repo):
        result = run_sync(sf, mail, repo, settings)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    written, calls, loading = repo.write_seconds, repo.write_calls, repo.load_seconds
    second_started = time.perf_counter()
    again = run_sync(sf, mail, repo, settings)  # type: ignore[arg-type]
    second = time.perf_counter() - second_started
    return {
        "contacts": size,
        "status": result.status,
        "run_seconds": round(seconds, 3),
        "mapping_write_seconds": round(written, 3),
        "mapping_write_share": round(written / seconds, 3),
        "mapping_write_database_seconds": round(repo.database_seconds, 3),
        "mapping_load_seconds": round(loading, 3),
        "repo_write_calls": calls,
        "second_run_seconds": round(second, 3),
        "second_run_write_calls": repo.write_calls - calls,
        "second_run_counts": {k: v for k, v in again.counts.items() if v},
        "second_run_status": again.status,
    }
