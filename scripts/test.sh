#!/usr/bin/env bash
# Runs ruff, mypy and pytest. Called by `make test` (and so by .ci/run).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"
$BIN/ruff check . || exit 1
$BIN/ruff format --check . || exit 1

echo "== mypy"
$BIN/mypy || exit 1

echo "== import-linter (the layers of docs/architecture.md)"
$BIN/lint-imports --no-cache || exit 1

echo "== pytest (database: ${DATABASE_URL:-sqlite})"
$BIN/python -m pytest -q "$@"
rc=$?
if [ $rc -eq 5 ]; then
  # pytest's "no tests collected": a suite that runs nothing must not look green.
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit $rc
