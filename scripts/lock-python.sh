#!/usr/bin/env bash
# Re-makes requirements.lock from requirements.txt in a throw-away virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet -r requirements.txt
{
  echo "# Exact versions of every Python package of the development set-up (scripts/lock-python.sh)."
  "$tmp/venv/bin/pip" freeze | sort -f
} >requirements.lock
