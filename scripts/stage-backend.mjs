// Stages the backend for the wheel in layerwise/backend/ (npm run build:wheel), as the tree it
// runs from in the repository, so the code finds everything at the same relative paths:
//
//   bin/layerwise.js              the launcher, as in the repository
//   build/backend/cli/index.js    the CLI and server, one esbuild bundle (tfjs and its WASM
//                                 backend included), with the worker threads' bundles beside
//                                 it (startWorker loads them from the bundle's folder) and the
//                                 tfjs WASM binaries (their loader looks in __dirname)
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

rmSync(out, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });

await build({
  entryPoints: {
    index: join(root, 'src/backend/cli/index.ts'),
    solverWorker: join(root, 'src/backend/solverWorker.ts'),
    wasmWorker: join(root, 'src/backend/wasmWorker.ts')
  },
  outdir: bundleDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // tfjs-node is loaded through a require created at run time, so it is never bundled: the
  // wheel runs on WASM and ONNX Runtime (docs/native-tensorflow.md for the native backend).
  external: ['onnxruntime-node', 'plotly.js-cartesian-dist-min/*', 'tsx/cjs'],
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
