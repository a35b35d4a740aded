#!/usr/bin/env bash
# Install everything and run the whole test suite: on SQLite, then on PostgreSQL.
# REQUIRE_POSTGRES=1 makes an unreachable PostgreSQL a failure instead of a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || { echo "could not install chromium"; exit 1; }
fi

pytest_run() {
  .venv/bin/python -m pytest "$@"
  rc=$?
  # Exit code 5 means no test was collected in that selection; that is not a failure.
  [ $rc -eq 5 ] && rc=0
  return $rc
}

reports=$(mktemp -d)
# The two runs use separate databases (a SQLite file; a fresh PostgreSQL schema) and separate
# instance folders, so on two or more cores they run side by side: that halves the wall time
# of CI. FORLOB_TEST_SERIAL=1 (or a single core) runs them one after the other.
parallel=0
if [ "${FORLOB_TEST_SERIAL:-0}" != 1 ] && [ "$(nproc 2>/dev/null || echo 1)" -ge 2 ]; then
  parallel=1
fi

run_sqlite() {
  FORLOB_TEST_DB=sqlite pytest_run tests --junitxml="$reports/sqlite.xml" "$@"
}

run_postgres() {
  # Creates the database (`test` by default) when the server answers and the user may; else
  # says exactly what is missing. The run then skips (or fails, with REQUIRE_POSTGRES=1).
  .venv/bin/python -m tests.pg_ready
  FORLOB_TEST_DB=postgres pytest_run tests/integration tests/web tests/browser \
    --junitxml="$reports/postgres.xml" "$@"
}

if [ $parallel -eq 1 ]; then
  echo "==> test runs side by side: SQLite (all tiers, log shown when it ends) and PostgreSQL"
  echo "    (integration, web, browser, shown as it runs)"
  run_sqlite "$@" >"$reports/sqlite.log" 2>&1 &
  sqlite_pid=$!
  run_postgres "$@" &
  pg_pid=$!
  # A stopped script stops both runs, pytest (each subshell's child) first. Both runs are
  # background jobs, so `wait` returns at once on a signal and the trap acts immediately.
  stop_runs() {
    for pid in "$sqlite_pid" "$pg_pid"; do
      pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null
    done
  }
  trap stop_runs EXIT
  trap 'stop_runs; exit 130' INT
  trap 'stop_runs; exit 143' TERM HUP
  wait "$pg_pid"; pg_rc=$?
  wait "$sqlite_pid"; sqlite_rc=$?
  trap - EXIT INT TERM HUP
  echo "==> SQLite run (all tiers), its output:"
  cat "$reports/sqlite.log"
else
  echo "==> test run 1 of 2: SQLite (all tiers)"
  run_sqlite "$@"; sqlite_rc=$?
  echo "==> test run 2 of 2: PostgreSQL (integration, web, browser)"
  run_postgres "$@"; pg_rc=$?
fi

echo "==> SQLite run exit code: $sqlite_rc; PostgreSQL run exit code: $pg_rc"
# One closing line over both runs, counted from pytest's own JUnit reports.
.venv/bin/python - "$reports"/*.xml <<'PY'
import os
import sys
import xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):  # a run that crashed before reporting
        continue
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests, skip = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - skip - bad
        failed += bad
        skipped += skip
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$reports"
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
