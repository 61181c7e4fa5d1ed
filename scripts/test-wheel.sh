#!/usr/bin/env bash
# The wheel as a user gets it (issue 12): builds it (npm run build:wheel), installs it into a
# fresh venv outside the repository with its dependencies from PyPI, then, from a folder outside
# the repository and with none of the repository on PATH: `layerwise demo` writes its result,
# `layerwise worker` solves a `layerwise demo --queue` through a Redis on loopback (the same
# interactions), `jupyter labextension list` shows the extension enabled, and the Galata
# demo-notebook test (right-click, analyze, figures, exports) runs against a JupyterLab started
# from that venv in a folder holding only a copy of the notebook. Only the test driver
# (ui-tests/) runs from here.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH=$root/.venv/bin:$PATH
port=${LAYERWISE_WHEEL_UI_PORT:-8897}

step() { echo "==> $*" >&2; }
fail() { echo "test-wheel: $*" >&2; exit 1; }
locked() { grep -i "^$1==" requirements.lock; }

step "building the wheel"
rm -rf dist
npm run --silent build:wheel >/dev/null
wheel=$(ls dist/layerwise-*.whl)
echo "$wheel: $(du -h "$wheel" | cut -f1)"

tmp=$(mktemp -d /tmp/layerwise-wheel-XXXXXX)
server=
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The venv's own bin, then the caller's PATH without anything inside the repository (its
# .venv, node_modules/.bin): Node >= 20 must come from the system, as for a user.
outside_path=$tmp/venv/bin
IFS=: read -ra entries <<<"$PATH"
for entry in "${entries[@]}"; do
  [[ $entry == "$root"* || -z $entry ]] || outside_path+=:$entry
done
run_outside() { (cd "$tmp/work" && env -u PYTHONPATH -u VIRTUAL_ENV PATH="$outside_path" "$@"); }

step "installing the wheel into a fresh venv ($tmp/venv)"
python3 -m venv "$tmp/venv"
started=$SECONDS
# With [tensorflow] (the native backend, and Keras for the demo notebook's kernel), JupyterLab,
# scikit-learn, and PyTorch with onnx (the notebook's PyTorch model, exported by the kernel
# plugin) at the repository's locked versions; the rest resolves from PyPI.
"$tmp/venv/bin/pip" install --quiet "$wheel[tensorflow]" "$(locked jupyterlab)" \
  "$(locked tensorflow_cpu)" "$(locked scikit-learn)" "$(locked torch)" "$(locked onnx)" 2>&1 |
  grep -v "^WARNING: Location" || true
"$tmp/venv/bin/python" -c 'import layerwise' || fail "the install failed"
echo "installed in $((SECONDS - started)) s"
mkdir -p "$tmp/work"

# The native backend (the [tensorflow] extra), then the one every install has.
for backend in tensorflow wasm; do
  step "layerwise demo --backend $backend, from the wheel"
  started=$SECONDS
  run_outside layerwise demo --out "$tmp/demo-$backend" --samples 2 --backend $backend
  echo "demo on $backend in $((SECONDS - started)) s"
  run_outside python - "$tmp/demo-$backend/result.json" $backend <<'PY'
import json, sys

result = json.load(open(sys.argv[1]))
print(f"result.json: {len(result['samples'])} samples on {result['runtime']['backend']}")
assert len(result["samples"]) == 2, "expected the 2 samples asked for"
assert result["runtime"]["backend"].startswith(sys.argv[2]), f"expected {sys.argv[2]}"
PY
done

step "layerwise worker and demo --queue, from the wheel (Redis on loopback)"
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >/dev/null &
redis=$!
(cd "$tmp/work" && exec env -u PYTHONPATH -u VIRTUAL_ENV PATH="$outside_path" \
  layerwise worker --queue "redis://127.0.0.1:$redis_port" --concurrency 2 2>"$tmp/worker.log") &
worker=$!
run_outside layerwise demo --out "$tmp/demo-queue" --samples 2 --backend tensorflow \
  --queue "redis://127.0.0.1:$redis_port"
kill "$worker" "$redis"
wait "$worker" "$redis" 2>/dev/null || true
grep -q "solved" "$tmp/worker.log" || { cat "$tmp/worker.log" >&2; fail "the worker solved nothing"; }
run_outside python - "$tmp/demo-tensorflow/result.json" "$tmp/demo-queue/result.json" <<'PY'
import json, sys

local, queued = (json.load(open(path)) for path in sys.argv[1:])
pick = lambda result: [[(c["and"], c["or"]) for c in s] for s in result["perSample"]]
assert pick(queued) == pick(local), "the queued demo's interactions differ from the local one's"
print("demo --queue: the same interactions as the local demo")
PY

step "jupyter labextension list"
run_outside jupyter labextension list 2>&1 | tee "$tmp/labextensions.txt"
grep -Eq 'layerwise .*enabled.*OK' "$tmp/labextensions.txt" || fail "the extension is not enabled"

step "the demo notebook in JupyterLab from the wheel (Galata)"
mkdir -p "$tmp/lab/root"
cp examples/demo.ipynb ui-tests/jupyter_server_test_config.py "$tmp/lab/"
# exec: $server is JupyterLab itself, so the clean-up stops it (it stops its kernel and backend).
(cd "$tmp/lab" && exec env -u PYTHONPATH -u VIRTUAL_ENV PATH="$outside_path" \
  LAYERWISE_UI_PORT=$port JUPYTERLAB_GALATA_ROOT_DIR="$tmp/lab/root" \
  jupyter lab --config jupyter_server_test_config.py >"$tmp/lab/server.log" 2>&1) &
server=$!
for _ in $(seq 120); do
  curl -sf "http://localhost:$port/lab" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/lab/server.log" >&2; fail "JupyterLab did not start"; }
  sleep 1
done
(cd ui-tests && LAYERWISE_UI_SERVER_RUNNING=1 LAYERWISE_UI_PORT=$port LAYERWISE_UI_EXAMPLES=$tmp/lab \
  npx playwright test -g 'analyze the demo model') || { tail -n 40 "$tmp/lab/server.log" >&2; exit 1; }
grep -h "Layerwise backend runs on" "$tmp/lab/server.log" || true
step "the wheel works outside the repository"
