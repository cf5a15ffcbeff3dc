"""The outside services a scale-out benchmark needs: PostgreSQL (named, never started here) and
a Redis server that the benchmark starts itself on loopback, on a free port, with nothing saved
to disk, and stops when it is done.

Where one is missing, `why_not` says so in a sentence and the scenario is skipped, not failed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import redis


def postgres_url() -> tuple[str, str | None]:
    """(LSYNC_BENCH_DATABASE_URL, why it cannot be used or None)."""
    url = os.environ.get("LSYNC_BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return url, (
            "needs PostgreSQL: set LSYNC_BENCH_DATABASE_URL=postgres://user@127.0.0.1:PORT/scratch "
            "(a database the benchmark may empty; README, 'Scaling out')"
        )
    return url, None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server(stack: ExitStack, directory: Path) -> tuple[str, str | None]:
    """A Redis URL to use: LSYNC_BENCH_REDIS_URL when set, otherwise a `redis-server` started
    here on 127.0.0.1 and stopped when `stack` closes. (url, why not or None)."""
    given = os.environ.get("LSYNC_BENCH_REDIS_URL", "")
    if given:
        return given, _reachable(given)
    exe = shutil.which("redis-server")
    if exe is None:
        return "", "needs redis-server on PATH (Debian: apt-get install -y redis-server)"
    port = free_port()
    log = (directory / "redis.log").open("wb")
    stack.callback(log.close)
    # No snapshots and no append-only file: the queue is thrown away with the benchmark.
    command = [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    stack.callback(stop, process)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _reachable(url) is None:
            return url, None
        if process.poll() is not None:
            break
        time.sleep(0.1)
    return url, f"redis-server did not start on port {port} (see {directory / 'redis.log'})"


def _reachable(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {url} does not answer: {error}"
    return None


def stop(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Stops a process this benchmark started (its whole session when it has one)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, 15) if _leads_session(process) else process.terminate()
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9) if _leads_session(process) else process.kill()
        process.wait(grace)
    except ProcessLookupError:
        pass


def _leads_session(process: subprocess.Popen[bytes]) -> bool:
    try:
        return os.getsid(process.pid) == process.pid
    except ProcessLookupError:
        return False
