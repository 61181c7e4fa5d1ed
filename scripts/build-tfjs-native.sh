#!/usr/bin/env bash
# Builds the native binding of @tensorflow/tfjs-node (or, with --gpu, @tensorflow/tfjs-node-gpu)
# against the TensorFlow shared libraries inside the PyPI wheel of the project's Python venv,
# because tfjs-node's own install script downloads libtensorflow 2.9.1, which fails offline.
#
# The wheel's libtensorflow_cc.so.2 exports TensorFlow's C API, which is all the binding uses,
# so it is linked under the names binding.gyp (-ltensorflow) and tfjs-node's install script
# (libtensorflow.so.2.9.1) expect. The binding gets an absolute rpath to the wheel's directory
# ahead of binding.gyp's $ORIGIN/../../deps/lib, so TensorFlow is loaded from its real location:
# no LD_LIBRARY_PATH is needed, and the CUDA wheel's own $ORIGIN/../nvidia/... rpaths resolve.
#
# Re-runnable: an up-to-date binding is only re-verified. When something needed is missing
# (compiler, wheel, node headers) it warns and exits 0, and Layerwise falls back to WASM.
# See docs/native-tensorflow.md.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
gpu=0
python=${LAYERWISE_PYTHON:-$root/.venv/bin/python}
force=0

usage() {
  cat >&2 <<'EOF'
usage: scripts/build-tfjs-native.sh [--gpu] [--python PATH] [--force]
  --gpu          build @tensorflow/tfjs-node-gpu (installed with npm --no-save if missing)
                 against the CUDA wheel (pip install 'tensorflow[and-cuda]') instead
  --python PATH  the Python whose site-packages hold the wheel (default: .venv/bin/python)
  --force        rebuild even if the binding is up to date
EOF
}
while (($#)); do
  case $1 in
    --gpu) gpu=1 ;;
    --python) python=${2:-}; shift ;;
    --python=*) python=${1#--python=} ;;
    --force) force=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
  shift
done

note() { echo "build-tfjs-native: $*" >&2; }
give_up() {
  note "WARNING: $*"
  note "WARNING: the native TensorFlow backend is not available; Layerwise falls back to WASM (slower)."
  exit 0
}
started=$SECONDS

[[ $(uname -s) == Linux ]] || give_up "only Linux is supported by this script (found $(uname -s))."
[[ $(uname -m) == x86_64 ]] || give_up "PyPI's TensorFlow wheels with the C API are x86_64 only here (found $(uname -m))."
command -v node >/dev/null || give_up "node is not on PATH."
[[ -x $python ]] || give_up "no Python at $python (create the venv first: scripts/setup.sh)."

if ((gpu)); then pkg=@tensorflow/tfjs-node-gpu; else pkg=@tensorflow/tfjs-node; fi
pkg_dir() { node -e "console.log(require('path').dirname(require.resolve('$1/package.json')))" 2>/dev/null; }

dir=$(pkg_dir "$pkg")
if [[ -z $dir ]] && ((gpu)); then
  # The GPU package must match the @tensorflow/tfjs in node_modules so both share one engine.
  version=$(node -p "require('@tensorflow/tfjs/package.json').version" 2>/dev/null) ||
    give_up "@tensorflow/tfjs is not installed (run npm ci)."
  note "installing $pkg@$version (--no-save --ignore-scripts; npm ci removes it again)"
  lock=()
  command -v flock >/dev/null && lock=(flock /tmp/npm.lock)
  "${lock[@]}" npm install --no-save --ignore-scripts --no-audit --no-fund "$pkg@$version" >&2 ||
    give_up "npm could not install $pkg@$version."
  dir=$(pkg_dir "$pkg")
fi
[[ -n $dir ]] || give_up "$pkg is not in node_modules (it is an optional dependency; run npm ci)."
version=$(node -p "require('$pkg/package.json').version")

tf_dir=$("$python" - <<'EOF' 2>/dev/null
# find_spec locates the package without importing TensorFlow (slow, noisy).
import importlib.util, os
spec = importlib.util.find_spec("tensorflow")
print(os.path.dirname(spec.origin) if spec and spec.origin else "")
EOF
)
[[ -n $tf_dir ]] || give_up "no tensorflow package for $python (pip install tensorflow-cpu, or tensorflow[and-cuda] for --gpu)."
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2 include/tensorflow/c/c_api.h include/tensorflow/c/eager/c_api.h; do
  [[ -e $tf_dir/$f ]] || give_up "$tf_dir/$f is missing; this TensorFlow wheel lacks the C API libraries or headers."
done
wheel=$("$python" -c 'import importlib.metadata as m; print(" ".join(d for d in m.packages_distributions().get("tensorflow", []) if d.startswith("tensorflow")))' 2>/dev/null)
tf_version=$("$python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "${wheel%% *}" 2>/dev/null)
note "$pkg $version against ${wheel:-tensorflow} $tf_version in $tf_dir"
if ((gpu)); then
  [[ $wheel == *tensorflow[-_]cpu* ]] &&
    note "WARNING: the wheel is tensorflow-cpu, so the GPU binding will only use the CPU; install tensorflow[and-cuda] for CUDA."
  [[ -d $tf_dir/../nvidia/cudnn ]] ||
    note "WARNING: no nvidia/cudnn next to the wheel; install 'tensorflow[and-cuda]' so TensorFlow finds CUDA and cuDNN."
fi

napi=$(node -e "
  const b = require('$pkg/package.json').binary;
  const wanted = Math.min(+process.versions.napi, Math.max(...b.napi_versions));
  console.log(b.napi_versions.filter(v => v <= wanted).pop() ?? '')")
[[ -n $napi ]] || give_up "this Node.js ($(node --version)) has no N-API version that $pkg supports."
module_dir=$dir/lib/napi-v$napi
binding=$module_dir/tfjs_binding.node

verify() {
  # Loads the package the way Layerwise does and checks a matMul against the known product.
  TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} node -e "
    const tf = require('$pkg');
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
    const got = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync();
    if (String(Array.from(got)) !== '19,22,43,50') throw new Error('matMul gave ' + Array.from(got));
    console.log('binding OK: tfjs ' + tf.version.tfjs + ' on the tensorflow backend, TensorFlow ' + tf.backend().binding.TF_Version);
  "
}

stamp_file=$dir/deps/.layerwise-build
stamp="$tf_dir $(stat -Lc %s:%Y "$tf_dir/libtensorflow_cc.so.2") $version napi$napi $(sha256sum "$0" | cut -c1-16)"
if ((!force)) && [[ -f $binding && -f $stamp_file && $(cat "$stamp_file") == "$stamp" ]]; then
  note "binding is up to date ($binding); verifying"
  verify >&2 && exit 0
  note "the existing binding does not load; rebuilding"
fi

command -v make >/dev/null || give_up "make is not installed (Debian: apt-get install build-essential)."
command -v c++ >/dev/null || command -v g++ >/dev/null || give_up "no C++ compiler (Debian: apt-get install build-essential)."

gyp_js=${npm_config_node_gyp:-}
if [[ ! -f $gyp_js ]]; then
  npm_cli=$(readlink -f "$(command -v npm 2>/dev/null)" 2>/dev/null)
  gyp_js=$(dirname "$(dirname "$npm_cli")")/node_modules/node-gyp/bin/node-gyp.js
fi
[[ -f $gyp_js ]] || give_up "node-gyp (bundled with npm) was not found."

# node-gyp downloads Node's headers unless told where local ones are; offline that fails.
node_version=$(node -p process.versions.node)
gyp_args=()
for prefix in "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local; do
  header=$prefix/include/node/node_version.h
  if [[ -f $header ]] &&
    [[ $(awk '/define NODE_(MAJOR|MINOR|PATCH)_VERSION/ {v = v (v ? "." : "") $3} END {print v}' "$header") == "$node_version" ]]; then
    gyp_args+=(--nodedir="$prefix")
    break
  fi
done
if ((${#gyp_args[@]} == 0)) && [[ ! -f ${HOME:-/nonexistent}/.cache/node-gyp/$node_version/include/node/node_version.h ]]; then
  note "no local headers for Node $node_version; node-gyp will try to download them"
fi

deps=$dir/deps
mkdir -p "$deps/lib"
# Names: the soname the binding records (libtensorflow_cc.so.2), the link-time name (-ltensorflow)
# and the one tfjs-node's install.js checks before it would download (libtensorflow.so.2.9.1).
ln -sfn "$tf_dir/libtensorflow_cc.so.2" "$deps/lib/libtensorflow_cc.so.2"
ln -sfn "$tf_dir/libtensorflow_framework.so.2" "$deps/lib/libtensorflow_framework.so.2"
for name in libtensorflow.so libtensorflow.so.2 libtensorflow.so.2.9.1; do
  ln -sfn libtensorflow_cc.so.2 "$deps/lib/$name"
done
for name in libtensorflow_framework.so libtensorflow_framework.so.2.9.1; do
  ln -sfn libtensorflow_framework.so.2 "$deps/lib/$name"
done
rm -rf "$deps/include"
ln -sfn "$tf_dir/include" "$deps/include"
rm -f "$stamp_file" "$binding"

note "compiling the binding with node-gyp (about a minute)"
log=$(mktemp)
if ! LDFLAGS="-Wl,-rpath,$tf_dir ${LDFLAGS:-}" JOBS=$(nproc 2>/dev/null || echo 2) \
  node "$gyp_js" rebuild --directory="$dir" --python="$python" "${gyp_args[@]}" \
  --module_name=tfjs_binding --module_path="$module_dir" --napi_build_version="$napi" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  rm -f "$log"
  give_up "node-gyp could not build the binding (output above)."
fi
rm -f "$log"
[[ -f $binding ]] || give_up "node-gyp finished but $binding is missing."

if ! verify >&2; then
  give_up "the binding was built but does not load (see the error above)."
fi
if ((gpu)); then
  if TF_CPP_MIN_LOG_LEVEL=0 node -e "require('$pkg').zeros([1]).dataSync()" 2>&1 | grep -q 'device:GPU:0'; then
    note "TensorFlow created a GPU device"
  else
    note "WARNING: TensorFlow created no GPU device (no visible GPU, driver or CUDA libraries); it runs on the CPU."
  fi
fi
echo "$stamp" >"$stamp_file"
note "done in $((SECONDS - started)) s: $binding"
