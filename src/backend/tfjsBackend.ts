/**
 * Chooses the tfjs backend the engine's forward passes run on. Fastest first:
 * tensorflow-gpu (@tensorflow/tfjs-node-gpu, only with a visible GPU) > tensorflow
 * (@tensorflow/tfjs-node) > wasm (SIMD, single-threaded in Node) > cpu (pure JS).
 *
 * The native packages are optional: their binding is built by scripts/build-tfjs-native.sh
 * against the TensorFlow of the Python wheel (docs/native-tensorflow.md). A missing or broken
 * one is skipped with a one-line note. Both register a backend named 'tensorflow' over their
 * own libtensorflow with the same soname, so at most one of them is ever loaded per process.
 *
 * Every backend registers into the one @tensorflow/tfjs instance imported here, which is the
 * instance the engine uses (tfjs-node depends on the same, deduplicated @tensorflow/tfjs).
 *
 * On wasm, element-wise ops on tensors of rank > 6 silently give wrong values, and tfjs-layers'
 * predict() uses batches of 32 unless given batchSize: callers keep ranks low and pass it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { UserError } from './cli/errors';
import {
  NATIVE_PACKAGES,
  nativeBindingPath,
  rebuildHint,
  requireNativePackage,
  type NativeKind
} from './nativePackages';

export { nativeBindingPath } from './nativePackages';

export const BACKEND_PREFERENCES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
/** A concrete backend: the preferences without 'auto'. */
export type BackendKind = Exclude<BackendPreference, 'auto'>;

export interface SelectedBackend {
  /** The @tensorflow/tfjs module, now running on the selected backend. */
  tf: typeof tf;
  /** The backend actually used: tensorflow-gpu, tensorflow, wasm or cpu. */
  backend: BackendKind;
  /** tfjs's own name of it (tf.getBackend()): tensorflow, wasm or cpu. */
  tfjsName: string;
  /** One line for each faster backend that was passed over, saying why. */
  notes: string[];
}

export interface SelectOptions {
  /** Where LAYERWISE_BACKEND, LAYERWISE_DEBUG and CUDA_VISIBLE_DEVICES are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called with each note as it happens (default: nothing is printed). */
  onNote?: (line: string) => void;
}

const FALLBACK_ORDER: BackendKind[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const load = createRequire(__filename);

/** The native package this process holds, once one loaded. */
let nativeLoaded: NativeKind | null = null;
/** Set once a native package was required: after that no other one may be tried. */
let nativeTried: NativeKind | null = null;

function isPreference(value: string): value is BackendPreference {
  return (BACKEND_PREFERENCES as readonly string[]).includes(value);
}

/**
 * The preference in force: an explicit one (the CLI's flag) unless it is 'auto', then
 * LAYERWISE_BACKEND, then 'auto'.
 */
export function resolvePreference(
  preference: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): BackendPreference {
  const fromEnv = env.LAYERWISE_BACKEND?.trim();
  const explicit = preference !== undefined && preference !== 'auto';
  const value = explicit ? preference : fromEnv || 'auto';
  if (!isPreference(value)) {
    const source = explicit ? '' : ' (from LAYERWISE_BACKEND)';
    throw new UserError(
      `unknown tfjs backend '${value}'${source}; use one of ${BACKEND_PREFERENCES.join(', ')}`,
      2
    );
  }
  return value;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find(line => line.trim() !== '') ?? 'unknown error';
}

function gpuVisible(env: NodeJS.ProcessEnv): boolean {
  const devices = env.CUDA_VISIBLE_DEVICES?.trim();
  if (devices === '' || devices === '-1') {
    return false;
  }
  try {
    return readdirSync('/proc/driver/nvidia/gpus').length > 0;
  } catch {
    return existsSync('/dev/nvidia0');
  }
}

/** Loads a native package; returns why it cannot be used, or null when it is ready. */
function loadNative(kind: NativeKind, env: NodeJS.ProcessEnv): string | null {
  const name = NATIVE_PACKAGES[kind];
  if (nativeLoaded === kind) {
    return null;
  }
  if (nativeTried !== null) {
    return `${NATIVE_PACKAGES[nativeTried]} was already loaded in this process and cannot share it with ${name}`;
  }
  const binding = nativeBindingPath(kind);
  if (binding === null) {
    return `${name} is not installed`;
  }
  if (kind === 'tensorflow-gpu' && !gpuVisible(env)) {
    return `${name}: no GPU is visible`;
  }
  if (!existsSync(binding)) {
    return `${name}: its native binding is not built (${rebuildHint(kind)})`;
  }
  // TensorFlow reads these from the real environment when its library loads; a user's own
  // settings win.
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  nativeTried = kind;
  try {
    // The binding alone first: if it cannot load, tfjs-node has not registered its kernels yet.
    load(binding);
    requireNativePackage(kind);
  } catch (error) {
    return `${name} failed to load (${rebuildHint(kind)}): ${firstLine(error)}`;
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return `${name} registered into another copy of @tensorflow/tfjs; align their versions`;
  }
  nativeLoaded = kind;
  return null;
}

async function activate(kind: BackendKind, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (kind === 'tensorflow-gpu' || kind === 'tensorflow') {
    const problem = loadNative(kind, env);
    if (problem !== null) {
      return problem;
    }
  } else if (kind === 'wasm') {
    try {
      // A static specifier, so that the wheel's bundle carries the backend (load() is opaque to
      // esbuild) and it registers into the bundle's own copy of tfjs.
      await import('@tensorflow/tfjs-backend-wasm');
    } catch (error) {
      return `@tensorflow/tfjs-backend-wasm could not be loaded: ${firstLine(error)}`;
    }
  }
  const name = kind === 'tensorflow-gpu' ? 'tensorflow' : kind;
  if (!(await tf.setBackend(name))) {
    return `the ${name} backend failed to initialise`;
  }
  await tf.ready();
  return null;
}

/**
 * Puts tfjs on the fastest available backend allowed by the preference: 'auto' tries all in
 * order; a named one starts the order there (so forcing 'wasm' never loads native code).
 */
export async function selectBackend(
  preference?: string,
  options: SelectOptions = {}
): Promise<SelectedBackend> {
  const env = options.env ?? process.env;
  const wanted = resolvePreference(preference, env);
  if (!env.LAYERWISE_DEBUG) {
    // Silences tfjs's warnings (the "install tfjs-node" banner of the cpu backend included).
    tf.env().set('PROD', true);
  }
  const notes: string[] = [];
  const start = wanted === 'auto' ? 0 : FALLBACK_ORDER.indexOf(wanted);
  for (const kind of FALLBACK_ORDER.slice(start)) {
    const problem = await activate(kind, env);
    if (problem === null) {
      return { tf, backend: kind, tfjsName: tf.getBackend(), notes };
    }
    const note = `backend ${kind} unavailable: ${problem}`;
    notes.push(note);
    options.onNote?.(note);
  }
  throw new Error(`no tfjs backend could be initialised: ${notes.join('; ')}`);
}
