#!/usr/bin/env bash
# The demo: the provider sandbox, the web UI and a django-q2 cluster, on SQLite.
# LSYNC_DEMO_MAIL=google switches the mail side from Microsoft 365 to Google Workspace,
# LSYNC_DEMO_MAIL=exchange to Exchange Server on-premises (the Service Account method),
# LSYNC_DEMO_MAIL=caldav to a CalDAV/CardDAV server (a real Radicale, started by the sandbox).
set -euo pipefail
# Everything the demo writes (keys, database, sandbox CA and logs) is readable by its owner only.
umask 077
cd "$(dirname "$0")/.."
export LSYNC_DEMO=1 LSYNC_DEBUG="${LSYNC_DEBUG:-0}"
PY=.venv/bin/python
USERS="${LSYNC_DEMO_USERS:-5}"
SEED="${LSYNC_DEMO_SEED:-1}"
MAIL="${LSYNC_DEMO_MAIL:-microsoft365}"
mkdir -p var
# A var/ left by an older demo, made before the umask above.
chmod -R go-rwx var
# The sandbox starts from its seed every time, so the demo's database must too: its own file,
# new for every demo (a kept one would point at items the new sandbox never had). It is never
# the database of a real installation (DATABASE_URL is overridden here).
export DATABASE_URL="sqlite:///$PWD/var/demo.sqlite3"
rm -f var/demo.sqlite3 var/demo.sqlite3-journal var/demo.sqlite3-wal var/demo.sqlite3-shm

pids=()
# SIGINT, as Ctrl-C sends: django-q2's cluster and the sandbox shut down cleanly on it (the
# cluster was seen to hang on SIGTERM, and the sandbox removes its CalDAV server's files).
cleanup() { kill -INT "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY manage.py migrate --noinput

# The sandbox keeps its state in memory: each demo starts from the seeded company.
$PY manage.py sandbox --users "$USERS" --seed "$SEED" > var/sandbox.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q "sandbox ready" var/sandbox.log 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat var/sandbox.log; exit 1; }
  sleep 0.2
done
grep -q "sandbox ready" var/sandbox.log || { echo "the sandbox did not start"; cat var/sandbox.log; exit 1; }

# Point lsync at the sandbox (endpoints + its CA), exactly as for a sovereign cloud.
while IFS= read -r line; do export "$line"; done < <($PY manage.py sandbox --print-env)
# The sandbox's own app registration and the Salesforce user lsync reads the directory as.
MS_SECRET_FILE=var/demo-microsoft-secret
[ -s "$MS_SECRET_FILE" ] || $PY -c 'import secrets; print(secrets.token_urlsafe(32))' > "$MS_SECRET_FILE"
export LSYNC_MICROSOFT_CLIENT_ID=11111111-2222-3333-4444-555555555555
export LSYNC_MICROSOFT_CLIENT_SECRET="$(cat "$MS_SECRET_FILE")"
export LSYNC_SALESFORCE_DIRECTORY_USER="$($PY -c "from sandbox.company import make_company; print(make_company($USERS, $SEED).users[0].username)")"
export LSYNC_STORE_BACKEND=providers LSYNC_SYNC_INTERVAL_SECONDS="${LSYNC_SYNC_INTERVAL_SECONDS:-60}"

$PY manage.py demo_setup --sandbox "$MAIL"

$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver --insecure --noreload 127.0.0.1:8000 &
pids+=($!)
echo "lsync demo: http://127.0.0.1:8000/ (Ctrl-C stops it). Sandbox log: var/sandbox.log"
wait -n "${pids[@]}"
