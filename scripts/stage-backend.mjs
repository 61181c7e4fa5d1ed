// Stages the backend for the wheel in layerwise/backend/ (npm run build:wheel), as the tree it
// runs from in the repository, so the code finds everything at the same relative paths:
//
//   bin/layerwise.js              the launcher, as in the repository
//   build/backend/cli/index.js    the CLI and server, one esbuild bundle (tfjs, its WASM
//                                 backend and tfjs-node's JavaScript included), with the worker
//                                 threads' bundles beside it (startWorker loads them from the
//                                 bundle's folder), the tfjs WASM binaries (their loader looks
//                                 in __dirname) and tfjs-node's binding
//   package.json                  name and version (the CLI and the server report it)
//   examples/demo/                the demo's spec, model and data (layerwise demo)
//   node_modules/                 what cannot be bundled: onnxruntime-node (a native addon it
//                                 loads by a computed path) with onnxruntime-common, and the
//                                 plotly bundle the report inlines (require.resolve at run time)
//
// Only Linux x86-64's ONNX Runtime library is copied: the wheel is tagged for that platform.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'layerwise', 'backend');
const bundleDir = join(out, 'build', 'backend', 'cli');
const modules = join(root, 'node_modules');
const ORT_PLATFORM = join('bin', 'napi-v6', 'linux', 'x64');

function copy(from, to = from) {
  cpSync(join(root, from), join(out, to), { recursive: true });
}

function copyModule(name, files) {
  for (const file of ['package.json', ...files]) {
    cpSync(join(modules, name, file), join(out, 'node_modules', name, file), { recursive: true });
  }
}

// tfjs-node inside the bundle, its binding beside it: see src/backend/nativePackages.wheel.ts.
const wheelModule = join(root, 'src', 'backend', 'nativePackages.wheel.ts');
const wheelNativePackages = {
  name: 'wheel-native-packages',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\/nativePackages$/ }, ({ importer }) =>
      importer.endsWith('tfjsBackend.ts') ? { path: wheelModule } : undefined
    );
    bundler.onResolve({ filter: /^@mapbox\/node-pre-gyp$/ }, () => ({ path: wheelModule }));
  }
};

rmSync(out, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });

await build({
  entryPoints: {
    index: join(root, 'src/backend/cli/index.ts'),
    computeWorker: join(root, 'src/backend/computeWorker.ts'),
    wasmWorker: join(root, 'src/backend/wasmWorker.ts')
  },
  outdir: bundleDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['onnxruntime-node', 'plotly.js-cartesian-dist-min/*', 'tsx/cjs'],
  plugins: [wheelNativePackages],
  logLevel: 'warning'
});

const wasmDir = join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
for (const name of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm'
]) {
  copy(join(wasmDir, name), join('build', 'backend', 'cli', name));
}

// Built by scripts/build-tfjs-native.sh (setup.sh) against the venv's TensorFlow wheel. Its
// RUNPATH names that venv's folder; in the wheel it must name the TensorFlow installed beside
// layerwise in site-packages, so the string is rewritten in place (shorter, NUL-padded: the
// dynamic section points at its start).
const bindingBytes = readFileSync(
  join(modules, '@tensorflow', 'tfjs-node', 'lib', 'napi-v8', 'tfjs_binding.node')
);
const runpath = /[^\0]*\$ORIGIN\/\.\.\/\.\.\/deps\/lib/.exec(bindingBytes.toString('latin1'));
const sitePackagesTensorflow = '$ORIGIN/../../../../../tensorflow';
if (!runpath || runpath[0].length < sitePackagesTensorflow.length) {
  throw new Error("tfjs_binding.node: no RUNPATH of scripts/build-tfjs-native.sh's form");
}
bindingBytes.fill(0, runpath.index, runpath.index + runpath[0].length);
bindingBytes.write(sitePackagesTensorflow, runpath.index, 'latin1');
writeFileSync(join(bundleDir, 'tfjs_binding.node'), bindingBytes, { mode: 0o755 });
copy('bin/layerwise.js');
const { name, version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(
  join(out, 'package.json'),
  JSON.stringify({ name, version, license }, null, 2) + '\n'
);
for (const file of ['spec.json', 'spec-n12.json', 'model', 'data']) {
  copy(join('examples', 'demo', file));
}

copyModule('onnxruntime-node', ['dist', ORT_PLATFORM]);
copyModule('onnxruntime-common', ['dist/cjs']);
copyModule('plotly.js-cartesian-dist-min', ['plotly-cartesian.min.js']);
console.log(`stage-backend: ${out}`);
