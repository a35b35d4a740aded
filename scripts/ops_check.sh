#!/usr/bin/env bash
# CI's operations check: a short load test and every fault test, each on the production
# layout (gunicorn + timer worker) against PostgreSQL at 127.0.0.1:5432 (override with
# FORLOB_LOAD_ADMIN_URL). The PostgreSQL-restart test runs its own throw-away cluster.
# Full versions: docs/operations.md ("Load and fault tests").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
report=$(mktemp)
echo "==> load test (short): 15 users for 10 s"
if ! .venv/bin/python -m tests.load.run --users 15 --seconds 10 --pathways 40 --max-errors 0 \
    >"$report" 2>"$report.err"; then
  cat "$report" "$report.err"; echo "load test failed"; exit 1
fi
.venv/bin/python - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for level in r["levels"]:
    print(f"   {level['users']} users: {level['throughput_rps']} req/s, p50 {level['p50_ms']} ms, "
          f"p95 {level['p95_ms']} ms, p99 {level['p99_ms']} ms, {level['failures']} errors")
s = r["check"]["submits"]
print(f"   check: {r['check']['active']} pathways load, projection ok; "
      f"{s['acked']} acknowledged submits, {s['stored']} stored, lost {len(s['lost'])}")
PY
echo "==> fault tests (short)"
.venv/bin/python -m tests.faults.run all --short 2>/dev/null
