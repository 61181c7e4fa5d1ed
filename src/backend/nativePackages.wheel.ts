/**
 * ./nativePackages.ts as the wheel's bundle has it (scripts/stage-backend.mjs): tfjs-node's
 * JavaScript is bundled, so it registers into the bundle's own tfjs, and its binding lies beside
 * the bundle, linked against libtensorflow_cc.so.2 of the PyPI TensorFlow wheel that
 * `pip install 'layerwise[tensorflow]'` brings (layerwise/node.py puts that library's folder on
 * LD_LIBRARY_PATH). No GPU package is bundled.
 *
 * The bundle also takes `find` from here in place of @mapbox/node-pre-gyp, which tfjs-node's
 * index.js asks where its binding is.
 */
import { join } from 'node:path';
import type { NativeKind } from './nativePackages';

export { NATIVE_PACKAGES, type NativeKind } from './nativePackages';

const BINDING = join(__dirname, 'tfjs_binding.node');

export function nativeBindingPath(kind: NativeKind): string | null {
  return kind === 'tensorflow' ? BINDING : null;
}

export function find(): string {
  return BINDING;
}

export function requireNativePackage(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-node');
}

export function rebuildHint(): string {
  return "pip install 'layerwise[tensorflow]' for the TensorFlow it is linked against";
}
