#!/usr/bin/env bash
# Install everything, seed demo data into SQLite and start the app with its timer worker.
# Safe to run again: set-up and seeding are idempotent. Ctrl-C, kill or a closed terminal
# stops both processes (see scripts/supervise.py).
set -euo pipefail
cd "$(dirname "$0")/.."
# A SECRET_KEY or DATABASE_URL set here reaches the app as a file (scripts/secrets.sh); by
# default the key is generated into the instance folder and the database is a SQLite file there.
source scripts/secrets.sh
secrets_to_files "${FORLOB_INSTANCE_PATH:-instance}/secrets" scripts/run.sh "$@"
[ "${FORLOB_SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
HOST=${HOST:-localhost}
PORT=${PORT:-5000}
export FLASK_APP=webui
export FORLOB_DEMO=1   # demo mode: every `flask demo` command (seed too) refuses to run without it
.venv/bin/flask demo seed

# The timer worker fires due timers (guarantee checks, reassessments, phase-in waits).
# scripts/supervise.py runs it beside the web server: SIGTERM, SIGINT (Ctrl-C, also when this
# script was started with `&`) or SIGHUP stops both and everything they started, and a timer
# worker that dies is started again.
echo
echo "Forløb is starting at: http://${HOST}:${PORT}/"
echo "The timer worker runs beside it. Ctrl-C (or kill $$) stops both."
echo
exec .venv/bin/python scripts/supervise.py \
  --web ".venv/bin/flask run --host $HOST --port $PORT" \
  --worker ".venv/bin/flask engine worker --interval ${FORLOB_DEMO_TIMER_INTERVAL:-10}"
