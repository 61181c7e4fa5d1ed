#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine, idempotently: the Python virtual
# environment, the npm packages, TensorFlow's native binding for tfjs-node (built against the
# PyPI wheel, since its own download is blocked), the build, and with --with-browser what only
# the tests need (Debian's chromium, poppler-utils and redis-server, the UI tests' packages).
# Finished steps are remembered and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/.venv
stamps=$root/.layerwise-cache/stamps
with_browser=0
for arg in "$@"; do
  case $arg in
    --with-browser) with_browser=1 ;;
    *) echo "usage: scripts/setup.sh [--with-browser]" >&2; exit 2 ;;
  esac
done

step() { echo "==> $*" >&2; }
fail() { echo "setup: $*" >&2; exit 1; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
done_already() { [[ -f $stamps/$1 && "$(cat "$stamps/$1")" == "$2" ]]; }
mark_done() { mkdir -p "$stamps"; echo "$2" >"$stamps/$1"; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

command -v node >/dev/null || fail "Node.js >= 20 is needed (https://nodejs.org or your package manager)."
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  fail "Node.js >= 20 is needed; found $(node --version)."
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  fail "Python >= 3.10 is needed (set PYTHON=/path/to/python3)."

if [[ ! -x $venv/bin/python ]]; then
  step "creating the Python virtual environment in .venv"
  "$python" -m venv "$venv"
fi
key=$(hash_of requirements.lock)
if ! done_already python "$key"; then
  step "installing Python packages (requirements.lock)"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r requirements.lock
  mark_done python "$key"
fi
export PATH=$venv/bin:$PATH

key=$(hash_of package-lock.json)
if ! done_already npm "$key" || [[ ! -d node_modules ]]; then
  step "installing npm packages (package-lock.json; install scripts off, see .npmrc)"
  npm ci --no-audit --no-fund
  rm -f "$stamps/native"
  mark_done npm "$key"
fi

key=$(hash_of scripts/build-tfjs-native.sh requirements.lock package-lock.json)
if ! done_already native "$key"; then
  step "building tfjs-node's binding against the TensorFlow in the Python wheel"
  bash scripts/build-tfjs-native.sh --python "$venv/bin/python" || true
  if [[ -f node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node ]]; then
    mark_done native "$key"
  else
    echo "setup: the native TensorFlow backend is unavailable; Layerwise falls back to WASM (slower)." >&2
  fi
fi

key=$(find src schema style package.json tsconfig*.json -type f 2>/dev/null | sort | xargs cat | sha256sum | cut -c1-16)
if ! done_already build "$key" || [[ ! -f layerwise/labextension/package.json ]]; then
  step "building the engine, CLI and JupyterLab extension"
  npm run --silent build
  mark_done build "$key"
fi

key=$(hash_of pyproject.toml package.json)
if ! done_already package "$key"; then
  step "installing the layerwise Python package (editable) and linking the lab extension"
  # The extension was just built above: keep the build hook from building it again.
  SKIP_JUPYTER_BUILDER=1 pip install --quiet --no-deps --no-build-isolation -e .
  jupyter labextension develop --overwrite . >/dev/null
  mark_done package "$key"
fi

if [[ $with_browser == 1 ]]; then
  # What only the tests need: chromium runs the UI tests, poppler-utils (pdffonts, pdftoppm)
  # checks their PDF exports, and the queue tests (tests/queue) run a Redis of their own.
  missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v pdffonts >/dev/null || missing+=(poppler-utils)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if ((${#missing[@]} > 0)); then
    step "installing Debian's ${missing[*]} for the tests"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  key=$(hash_of ui-tests/package-lock.json)
  if ! done_already ui-tests "$key"; then
    step "installing the UI tests' npm packages"
    (cd ui-tests && npm ci --no-audit --no-fund)
    mark_done ui-tests "$key"
  fi
fi
step "set-up complete"
