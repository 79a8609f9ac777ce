#!/usr/bin/env bash
# Install the project with its test tools into .venv and run lint, types and the test suite.
# PostgreSQL tests run when GATEWAY_TEST_POSTGRES_URL is set (mandatory in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check gateway tests bench scripts
.venv/bin/mypy
.venv/bin/pytest -n 2 "$@"
