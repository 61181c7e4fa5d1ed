/**
 * Where the native tfjs packages come from in the repository: node_modules, with the binding
 * scripts/build-tfjs-native.sh builds. The wheel's bundle has ./nativePackages.wheel.ts in
 * this module's place (scripts/stage-backend.mjs).
 */
import { createRequire } from 'node:module';

export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node'
} as const;
export type NativeKind = keyof typeof NATIVE_PACKAGES;

const load = createRequire(__filename);

/** The path tfjs-node's index.js loads its binding from (null if the package is missing). */
export function nativeBindingPath(kind: NativeKind): string | null {
  let packageJson: string;
  try {
    packageJson = load.resolve(`${NATIVE_PACKAGES[kind]}/package.json`);
  } catch {
    return null;
  }
  const preGyp = createRequire(packageJson)('@mapbox/node-pre-gyp') as {
    find: (packageJsonPath: string) => string;
  };
  return preGyp.find(packageJson);
}

/** Loads the package, which registers the 'tensorflow' backend. */
export function requireNativePackage(kind: NativeKind): void {
  load(NATIVE_PACKAGES[kind]);
}

/** What builds the binding again. */
export function rebuildHint(kind: NativeKind): string {
  return `run scripts/build-tfjs-native.sh${kind === 'tensorflow-gpu' ? ' --gpu' : ''}`;
}
