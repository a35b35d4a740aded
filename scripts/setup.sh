#!/usr/bin/env bash
# Install everything the app needs into .venv and webui/static/vendor (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# Forløb needs Python 3.11 or newer; say so clearly instead of failing halfway through pip.
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  found=$("$PYTHON" -c 'import platform; print("Python", platform.python_version())' 2>/dev/null \
    || echo "not a working Python")
  echo "Forløb needs Python 3.11 or newer; '$PYTHON' is $found." >&2
  echo "Point PYTHON at a newer interpreter, e.g.: PYTHON=python3.11 bash scripts/run.sh" >&2
  exit 1
fi

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
