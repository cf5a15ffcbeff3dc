"""The soak's short profile: a few cycles over the HTTPS emulators, with faults and a killed
worker, run as the command line runs it (its own process, database and emulators).

No timing is asserted. Every invariant is asserted (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.soak.check import COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def soak(mail: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--cycles", "4", "--users", "2", "--seed", "7",
         "--mail", mail, "--kills", "0.5", "--max-minutes", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.split("\n\nexamples:")[0]
    rows = {}
    for line in table.splitlines():
        name, _, value = line.rpartition("  ")
        rows[name.strip()] = value.strip()
    return rows


@pytest.fixture(scope="module", params=["microsoft", "google"])
def table(request: pytest.FixtureRequest) -> dict[str, str]:
    return soak(str(request.param))


def test_the_short_soak_runs_its_cycles_with_faults_and_reports_every_invariant(
    table: dict[str, str],
) -> None:
    assert table["cycles"] == "4"
    assert table["syncs"] == "4" and int(table["worker processes"]) >= 1
    assert int(table["requests faulted"]) > 0
    assert int(table["edits: creates"]) > 0
    for column in COLUMNS:
        assert table[column].isdigit(), column


def test_the_short_soak_ends_with_no_duplicate_and_nothing_lost(table: dict[str, str]) -> None:
    assert table["duplicates"] == "0"
    assert table["lost"] == "0"
    assert table["users not quiet"] == "0"


def test_the_short_soak_breaks_no_invariant(table: dict[str, str]) -> None:
    assert {c: table[c] for c in COLUMNS if table[c] != "0"} == {}
