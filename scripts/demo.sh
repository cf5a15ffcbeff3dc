#!/usr/bin/env bash
# The demo: migrate, create the admin, then serve the web UI and run a django-q2 cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export LSYNC_DEMO=1 LSYNC_DEBUG="${LSYNC_DEBUG:-0}"
PY=.venv/bin/python

$PY manage.py migrate --noinput
$PY manage.py demo_setup

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver --insecure --noreload 127.0.0.1:8000 &
pids+=($!)
echo "lsync demo: http://127.0.0.1:8000/ (Ctrl-C stops it)"
wait -n "${pids[@]}"
