#!/usr/bin/env bash
# Runs every check: set-up (idempotent), formatting and lint, type checks, the engine, CLI and
# backend tests (node's test runner), the Python tests (pytest, real kernels and servers), and
# the UI tests (Galata, real JupyterLab in Debian's chromium), and the wheel installed into a
# fresh venv outside the repository (scripts/test-wheel.sh). Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
export PATH=$PWD/.venv/bin:$PATH

section() { printf '\n===== %s =====\n' "$*"; }

section "format and lint"
npx prettier --check . --log-level warn
npx eslint .
ruff format --check .
ruff check .

section "type check"
npx tsc -p tsconfig.check.json
npx tsc -p tsconfig.json --noEmit

section "engine, CLI and backend tests"
# setup.sh --with-browser installed redis-server: the queue tests must run here, not skip.
LAYERWISE_REQUIRE_REDIS=1 npm test

section "Python tests"
python -m pytest -q

section "UI tests"
(cd ui-tests && npx playwright test)

section "the wheel, installed outside the repository"
bash scripts/test-wheel.sh
