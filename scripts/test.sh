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

echo "==> test run 1 of 2: SQLite (all tiers)"
FORLOB_TEST_DB=sqlite pytest_run tests "$@"; sqlite_rc=$?

echo "==> test run 2 of 2: PostgreSQL (integration, web, browser)"
FORLOB_TEST_DB=postgres pytest_run tests/integration tests/web tests/browser "$@"; pg_rc=$?

echo "==> SQLite run exit code: $sqlite_rc; PostgreSQL run exit code: $pg_rc"
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
