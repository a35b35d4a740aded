#!/usr/bin/env bash
# Production layout on this machine: gunicorn web workers and timer worker(s) against
# PostgreSQL. Migrates once, then serves until SIGTERM/SIGINT. Secrets come by file, so that no
# process of the service holds one in its environment (docs/operations.md, "Secrets"):
#
#   DATABASE_URL_FILE=/run/secrets/forlob_database_url \
#   SECRET_KEY_FILE=/run/secrets/forlob_secret_key bash scripts/serve.sh
#
# DATABASE_URL and SECRET_KEY themselves still work: they are moved into files in
# FORLOB_SECRETS_DIR (a fresh private temp dir) before anything starts.
#
# Settings (env): BIND (127.0.0.1:8000), WEB_WORKERS (cores+1), WEB_THREADS (4),
# TIMER_WORKERS (1), TIMER_INTERVAL (30 s), PROMETHEUS_MULTIPROC_DIR (a fresh temp dir),
# FORLOB_METRICS_TOKEN (scrape token), FORLOB_TRUSTED_PROXIES (hops of TLS proxies, 0).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ] && [ -z "${DATABASE_URL_FILE:-}" ]; then
  echo "set DATABASE_URL_FILE (a file holding e.g. postgresql://forlob@127.0.0.1:5432/forlob)" >&2
  exit 2
fi
source scripts/secrets.sh
secrets_to_files "" scripts/serve.sh "$@"
[ "${FORLOB_SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh >&2
export FLASK_APP=webui
TIMER_WORKERS=${TIMER_WORKERS:-1}
TIMER_INTERVAL=${TIMER_INTERVAL:-30}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$(mktemp -d -t forlob-metrics-XXXXXX)}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db  # samples of an earlier run are not this run's

echo "==> migrating $(.venv/bin/python -c 'import re;from webui.config import secret;print(re.sub(r"//[^@/]*@","//***@",secret("DATABASE_URL")))')" >&2
FORLOB_DEPLOY_ON_START=1 .venv/bin/flask db upgrade >&2
export FORLOB_AUTO_MIGRATE=0  # done once above; workers never race each other to migrate

pids=()
stopping=0
stop() {
  stopping=1
  # SIGTERM: gunicorn drains its requests, timer workers finish the pathway in hand
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
trap stop TERM INT

timer_worker() {
  # Restart a timer worker that died (e.g. killed); a clean stop ends the loop.
  local child=""
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; exit 0' TERM INT
  while :; do
    .venv/bin/flask engine worker --interval "$TIMER_INTERVAL" & child=$!
    wait "$child" && break
    echo "{\"level\":\"warning\",\"msg\":\"timer worker exited; restarting in 2 s\"}" >&2
    sleep 2
  done
}

for _ in $(seq "$TIMER_WORKERS"); do
  timer_worker & pids+=($!)
done
.venv/bin/gunicorn -c scripts/gunicorn.conf.py webui.wsgi:app & pids+=($!)
echo "==> serving on http://${BIND:-127.0.0.1:8000}/ with $TIMER_WORKERS timer worker(s)" >&2

# Stop everything when one part stops for good (or on a signal).
while [ $stopping = 0 ]; do
  wait -n "${pids[@]}" || true
  [ $stopping = 1 ] && break
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
  [ $alive -lt ${#pids[@]} ] && { echo "==> a part stopped; stopping the rest" >&2; stop; }
done
wait
