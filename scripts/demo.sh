#!/usr/bin/env bash
# The main job on the bundled demo: sets up (idempotent), then opens JupyterLab on the demo
# notebook. Right-click the model cell and choose "Analyze layers".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH=$PWD/.venv/bin:$PATH
exec jupyter lab examples/demo.ipynb "$@"
