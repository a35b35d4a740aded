#!/usr/bin/env bash
# Install everything the app needs into .venv and webui/static/vendor (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.forlob-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Python packages into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  echo "$want" > "$stamp"
fi

lockstamp="node_modules/.forlob-installed"
lockwant=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$lockstamp" 2>/dev/null)" != "$lockwant" ]; then
  echo "==> installing browser assets from npm"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lockwant" > "$lockstamp"
fi
npm run --silent vendor
.venv/bin/pybabel -q compile -d webui/translations
