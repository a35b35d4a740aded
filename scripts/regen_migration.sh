#!/usr/bin/env bash
# Regenerate the single initial migration from the models (before the first release only).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f webui/migrations/versions/0001_initial.py
FORLOB_AUTO_MIGRATE=0 FORLOB_INSTANCE_PATH="$tmp" DATABASE_URL="sqlite:///$tmp/gen.db" \
  .venv/bin/flask --app webui db revision --autogenerate --rev-id 0001 -m initial -d webui/migrations
rm -rf "$tmp"
