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
echo "==> test run 1 of 2: SQLite (all tiers)"
FORLOB_TEST_DB=sqlite pytest_run tests --junitxml="$reports/sqlite.xml" "$@"; sqlite_rc=$?

echo "==> test run 2 of 2: PostgreSQL (integration, web, browser)"
# Creates the database (`test` by default) when the server answers and the user may; else
# says exactly what is missing. The run then skips (or fails, with REQUIRE_POSTGRES=1).
.venv/bin/python -m tests.pg_ready
FORLOB_TEST_DB=postgres pytest_run tests/integration tests/web tests/browser \
  --junitxml="$reports/postgres.xml" "$@"; pg_rc=$?

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
