#!/usr/bin/env bash
# Install everything, seed demo data into SQLite and start the app with its timer worker.
# Safe to run again: set-up and seeding are idempotent. Ctrl-C stops both processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
HOST=${HOST:-localhost}
PORT=${PORT:-5000}
export FLASK_APP=webui
export FORLOB_DEMO=1   # demo mode: every `flask demo` command (seed too) refuses to run without it
.venv/bin/flask demo seed

# The timer worker fires due timers (guarantee checks, reassessments, phase-in waits).
.venv/bin/flask engine worker --interval "${FORLOB_DEMO_TIMER_INTERVAL:-10}" &
worker=$!
stop() {
  trap - INT TERM EXIT
  kill "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo
echo "Forløb is starting at: http://${HOST}:${PORT}/"
echo "The timer worker runs beside it (pid $worker). Ctrl-C stops both."
echo
.venv/bin/flask run --host "$HOST" --port "$PORT"
