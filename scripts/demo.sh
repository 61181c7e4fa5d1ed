#!/usr/bin/env bash
# The main job on the bundled demo: sets up (idempotent), then opens JupyterLab on the demo
# notebook. Right-click the model cell and choose "Analyze layers".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH=$PWD/.venv/bin:$PATH
# Containers and cloud notebooks often run as root, where JupyterLab refuses to start unless
# told; the URL to open (with its token) is printed by JupyterLab itself.
extra=()
if [[ $(id -u) == 0 ]]; then
  extra+=(--allow-root)
fi
exec jupyter lab examples/demo.ipynb "${extra[@]}" "$@"
