/**
 * Input variables as groups of flat (row-major) indices into one sample, built from what the
 * user picks: features of a tabular row, patches of an image, tokens of a sequence.
 */

export type InputKind = 'tabular' | 'image' | 'sequence';

/**
 * How a sample (shape without the batch axis, element type) is read: a 1-D integer input is
 * a sequence of token ids, a 1-D float input a tabular row.
 */
export function inputKind(shape: readonly number[], dtype: string | null = null): InputKind {
  if (shape.length === 1) {
    return dtype !== null && /^u?int/.test(dtype) ? 'sequence' : 'tabular';
  }
  if (shape.length === 2 && shape[0] >= 4 && shape[1] >= 4) {
    return 'image';
  }
  if (shape.length === 3 && (shape[2] <= 4 || shape[0] <= 4)) {
    return 'image';
  }
  return 'sequence';
}

export interface IImageGeometry {
  height: number;
  width: number;
  channels: number;
  /** [channels, height, width], as PyTorch lays images out; else [height, width, channels]. */
  channelsFirst: boolean;
  patch: number;
  rows: number;
  cols: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * A patch side that divides both image sides (so every patch is whole, as the CLI's grids
 * require) and gives about six patches per side: 2 px on 8x8 digits, 4 px on 28x28 MNIST and
 * on 32x32 CIFAR (the paper's CIFAR grid). Single pixels only for images under 8 px.
 */
export function autoPatchSize(height: number, width: number): number {
  const common = gcd(height, width);
  const smallest = Math.min(height, width) >= 8 ? 2 : 1;
  let best = Math.max(1, Math.ceil(Math.min(height, width) / 6));
  let bestDistance = Infinity;
  for (let p = smallest; p <= common; p++) {
    const distance = Math.abs(Math.min(height, width) / p - 6);
    if (common % p === 0 && distance < bestDistance) {
      best = p;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * An image sample's geometry: channels last as Keras lays images out, or channels first as
 * PyTorch does when the first axis is short (at most 4) and the last is not.
 */
export function imageGeometry(shape: readonly number[], patchSize: number): IImageGeometry {
  const channelsFirst = shape.length === 3 && shape[0] <= 4 && shape[2] > 4;
  const [height, width] = channelsFirst ? shape.slice(1) : shape;
  const channels = channelsFirst ? shape[0] : shape.length > 2 ? shape[2] : 1;
  const patch =
    patchSize > 0 ? Math.min(patchSize, Math.min(height, width)) : autoPatchSize(height, width);
  return {
    height,
    width,
    channels,
    channelsFirst,
    patch,
    rows: Math.ceil(height / patch),
    cols: Math.ceil(width / patch)
  };
}

export interface IVariable {
  name: string;
  indices: number[];
}

/** Flat index of channel `ch` of pixel `p` (row-major over the image) in one sample. */
export function pixelOffset(g: IImageGeometry, p: number, ch: number): number {
  return g.channelsFirst ? ch * g.height * g.width + p : p * g.channels + ch;
}

/** Patch k (row-major over the grid) as the flat indices of all its pixels and channels. */
export function patchVariable(g: IImageGeometry, k: number): IVariable {
  const r = Math.floor(k / g.cols);
  const c = k % g.cols;
  const indices: number[] = [];
  for (let y = r * g.patch; y < Math.min((r + 1) * g.patch, g.height); y++) {
    for (let x = c * g.patch; x < Math.min((c + 1) * g.patch, g.width); x++) {
      for (let ch = 0; ch < g.channels; ch++) {
        indices.push(pixelOffset(g, y * g.width + x, ch));
      }
    }
  }
  return { name: `r${r + 1}c${c + 1}`, indices };
}

/** Per-pixel intensity (mean over channels) of an image sample, row-major. */
export function pixelIntensity(sample: ArrayLike<number>, g: IImageGeometry): Float64Array {
  const out = new Float64Array(g.height * g.width);
  for (let p = 0; p < out.length; p++) {
    let sum = 0;
    for (let ch = 0; ch < g.channels; ch++) {
      sum += Number(sample[pixelOffset(g, p, ch)]);
    }
    out[p] = sum / g.channels;
  }
  return out;
}

/**
 * The n patches that carry the most of the image: largest mean distance of their pixels from
 * the image's median (its background for digit-like images), in grid order.
 */
export function salientPatches(sample: ArrayLike<number>, g: IImageGeometry, n: number): number[] {
  const intensity = pixelIntensity(sample, g);
  const median = [...intensity].sort((a, b) => a - b)[Math.floor(intensity.length / 2)] ?? 0;
  const scores: [number, number][] = [];
  for (let k = 0; k < g.rows * g.cols; k++) {
    const r = Math.floor(k / g.cols);
    const c = k % g.cols;
    let sum = 0;
    let count = 0;
    for (let y = r * g.patch; y < Math.min((r + 1) * g.patch, g.height); y++) {
      for (let x = c * g.patch; x < Math.min((c + 1) * g.patch, g.width); x++) {
        sum += Math.abs(intensity[y * g.width + x] - median);
        count++;
      }
    }
    scores.push([k, sum / Math.max(count, 1)]);
  }
  return scores
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, n)
    .map(([k]) => k)
    .sort((a, b) => a - b);
}

/** Tabular feature i, named by the data's column name when it has one. */
export function featureVariable(i: number, names?: readonly string[]): IVariable {
  return { name: names?.[i] ?? `x${i}`, indices: [i] };
}

/** Sequence position t with all its `width` values (one for token ids, d for embeddings). */
export function tokenVariable(t: number, width: number, label?: string): IVariable {
  const indices = Array.from({ length: width }, (_, d) => t * width + d);
  return { name: label ?? `t${t}`, indices };
}

/** Values per sequence position: 1 for [T] token ids, d for [T, d] inputs. */
export function sequenceWidth(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

export interface ICostEstimate {
  /** Masked forward passes: 2^n per sample. */
  passes: number;
  /** AND-OR problems: one per sample and layer, each over 2^n subsets. */
  problems: number;
  /** A rough guess of the wall time in seconds, for the form; null if unknown. */
  seconds: number | null;
}

/**
 * Solver seconds per (sample, layer) problem on one thread, by n: the mean over the bundled
 * demo's 210 problems (30 samples x 7 layers of its trained MLP; the canonical optimum and 4
 * alternatives, default bounds) on a 2-core AMD EPYC, bench/RESULTS.md (session 8). n = 8:
 * the n = 10 games with two variables always present. Between and beyond: the neighbouring
 * steps' growth per variable.
 */
const SOLVE_SECONDS: [number, number][] = [
  [8, 0.01],
  [10, 0.065],
  [12, 0.63]
];
/** Start-up: the backend's model load, its first passes and the probes' training features. */
const STARTUP_SECONDS = 2;
/** One probe (the demo's: 128 features, 1,437 training rows, up to 200 epochs) on one thread. */
const PROBE_SECONDS = 0.55;
/** Masked forward passes per second of a small model (the demo's: about 47,000 on TensorFlow). */
const PASSES_PER_SECOND = 20_000;

function solveSeconds(n: number): number {
  const at = (i: number) => SOLVE_SECONDS[i];
  const growth = (i: number) => (at(i + 1)[1] / at(i)[1]) ** (1 / (at(i + 1)[0] - at(i)[0]));
  const last = SOLVE_SECONDS.length - 1;
  let i = SOLVE_SECONDS.findIndex(([m]) => m >= n);
  if (i < 0) {
    return at(last)[1] * growth(last - 1) ** (n - at(last)[0]);
  }
  i = Math.max(0, Math.min(i, last) - 1);
  return at(i)[1] * growth(i) ** (n - at(i)[0]);
}

/**
 * The analysis' size before it runs; each noise draw of the stability analysis repeats every
 * sample's passes and problems. The time guess: start-up, the probes (as many at once as the
 * backend has threads), the passes at a small model's rate, and the solves at the demo's
 * measured mean per problem, over the backend's threads (one while unknown). Other models'
 * problems can be several times easier or harder; the backend's ETA replaces the guess once
 * the job runs.
 */
export function estimateCost(
  n: number,
  samples: number,
  layers: number,
  { draws = 0, threads = null }: { draws?: number; threads?: number | null } = {}
): ICostEstimate {
  const subsets = 2 ** n;
  const passes = samples * subsets * (1 + draws);
  const problems = samples * Math.max(layers, 1) * (1 + draws);
  const workers = Math.max(1, threads ?? 1);
  const probes = Math.max(layers - 1, 0);
  const seconds =
    STARTUP_SECONDS +
    Math.ceil(probes / workers) * PROBE_SECONDS +
    passes / PASSES_PER_SECOND +
    (problems * solveSeconds(n)) / workers;
  return { passes, problems, seconds };
}
