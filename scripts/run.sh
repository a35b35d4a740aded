#!/usr/bin/env bash
# Install everything, seed demo data into SQLite and start the app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
HOST=${HOST:-localhost}
PORT=${PORT:-5000}
export FLASK_APP=webui
.venv/bin/flask demo seed
echo
echo "Forløb is starting at: http://${HOST}:${PORT}/"
echo
exec .venv/bin/flask run --host "$HOST" --port "$PORT"
