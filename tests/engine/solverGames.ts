/**
 * Games (vectors of 2^n masked outputs) for the solver tests and the solver benchmark:
 * planted sparse AND/OR games with known terms, and the masked outputs of small random MLPs.
 */

import { popcount } from '../../src/engine/subsets';

import { uniformGenerator as seededRandom } from '../../src/engine/random';

export { seededRandom };

export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface PlantedTerm {
  mask: number;
  value: number;
}

export interface PlantedGame {
  n: number;
  values: Float64Array;
  constant: number;
  and: PlantedTerm[];
  or: PlantedTerm[];
  /** Largest |noise(T)|. */
  noise: number;
}

/** A random subset of `order` variables among those in `pool` (a mask). */
function randomMask(pool: number, order: number, random: () => number): number {
  const members = Array.from({ length: 31 }, (_, i) => i).filter(i => (pool >> i) & 1);
  const n = members.length;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [members[i], members[j]] = [members[j], members[i]];
  }
  return members.slice(0, order).reduce((mask, i) => mask | (1 << i), 0);
}

/**
 * v(T) = constant + sum of AND terms (S subset of T) + sum of OR terms (S meets T) + noise,
 * with distinct random subsets (AND orders andMinOrder..maxOrder, OR orders 2..maxOrder), magnitudes
 * in [1, 2] with random signs, and noise uniform in [-noise, noise].
 */
export function plantedGame(
  n: number,
  options: {
    andTerms: number;
    orTerms: number;
    noise: number;
    seed: number;
    maxOrder?: number;
    /**
     * Least order of the AND terms (default 1). Two order-1 AND terms of one sign are not
     * a unique explanation: a (x_i) + a (x_j) = a (x_i and x_j) + a (x_i or x_j) costs the same.
     */
    andMinOrder?: number;
    /** Give every term its own variables (then the sparsest explanation is unique). */
    disjoint?: boolean;
  }
): PlantedGame {
  const random = seededRandom(options.seed);
  const maxOrder = Math.min(options.maxOrder ?? 4, n);
  const used = new Set<number>();
  let free = (1 << n) - 1;
  const draw = (minOrder: number): PlantedTerm => {
    for (;;) {
      const pool = options.disjoint ? free : (1 << n) - 1;
      const top = Math.min(maxOrder, popcount(pool));
      if (top < minOrder) {
        throw new RangeError('too many disjoint planted terms for n variables');
      }
      const order = minOrder + Math.floor(random() * (top - minOrder + 1));
      const mask = randomMask(pool, order, random);
      if (!used.has(mask)) {
        used.add(mask);
        free &= ~mask;
        return { mask, value: (random() < 0.5 ? -1 : 1) * (1 + random()) };
      }
    }
  };
  const and = Array.from({ length: options.andTerms }, () => draw(options.andMinOrder ?? 1));
  const or = Array.from({ length: options.orTerms }, () => draw(2));
  const constant = 2 * random() - 1;
  const values = new Float64Array(1 << n);
  for (let t = 0; t < values.length; t++) {
    let value = constant + options.noise * (2 * random() - 1);
    for (const term of and) {
      if ((term.mask & t) === term.mask) {
        value += term.value;
      }
    }
    for (const term of or) {
      if ((term.mask & t) !== 0) {
        value += term.value;
      }
    }
    values[t] = value;
  }
  return { n, values, constant, and, or, noise: options.noise };
}

/**
 * The masked outputs of a random tanh MLP on 2n raw inputs (variable i owns inputs 2i and
 * 2i+1; baseline 0), one game per hidden layer read out by a random linear probe, the last
 * one the network's own output: a stand-in for the (sample, layer) games the tool solves.
 * `inputNoise` perturbs the sample before masking, as the stability analysis does.
 */
export function mlpLayerGames(
  n: number,
  seed: number,
  options: { depth?: number; hidden?: number; inputNoise?: number; noiseSeed?: number } = {}
): Float64Array[] {
  const random = seededRandom(seed);
  const depth = options.depth ?? 2;
  const hidden = options.hidden ?? 32;
  const inputs = 2 * n;
  const weights = (rows: number, cols: number): Float64Array =>
    Float64Array.from({ length: rows * cols }, () => gaussian(random) / Math.sqrt(cols));
  const layers = Array.from({ length: depth }, (_, l) => ({
    w: weights(hidden, l === 0 ? inputs : hidden),
    b: Float64Array.from({ length: hidden }, () => 0.1 * gaussian(random)),
    probe: weights(1, hidden)
  }));
  const x = Float64Array.from({ length: inputs }, () => 1 + gaussian(random));
  if (options.inputNoise) {
    const noise = seededRandom(options.noiseSeed ?? 1);
    x.forEach((value, i) => (x[i] = value + options.inputNoise! * gaussian(noise)));
  }
  const games = layers.map(() => new Float64Array(1 << n));
  let activation = new Float64Array(inputs);
  for (let t = 0; t < 1 << n; t++) {
    for (let i = 0; i < inputs; i++) {
      activation[i] = (t >> (i >> 1)) & 1 ? x[i] : 0;
    }
    layers.forEach((layer, l) => {
      const next = new Float64Array(hidden);
      for (let r = 0; r < hidden; r++) {
        let total = layer.b[r];
        for (let c = 0; c < activation.length; c++) {
          total += layer.w[r * activation.length + c] * activation[c];
        }
        next[r] = Math.tanh(total);
      }
      activation = next;
      let logit = 0;
      for (let c = 0; c < hidden; c++) {
        logit += 4 * layer.probe[c] * next[c];
      }
      games[l][t] = logit;
    });
    activation = new Float64Array(inputs);
  }
  return games;
}

/** The last layer's game of `mlpLayerGames`: a random MLP's masked log-odds. */
export function mlpGame(n: number, seed: number): Float64Array {
  return mlpLayerGames(n, seed).at(-1)!;
}

/** Pure noise: every v(T) uniform in [-1, 1] (dense, no structure to find). */
export function uniformGame(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: 1 << n }, () => 2 * random() - 1);
}

/** sum_{S subset of T} and(S) + sum_{S meets T} or(S), by enumeration (no transform). */
export function bruteForceFit(
  terms: { and: ArrayLike<number>; or: ArrayLike<number> },
  t: number
): number {
  let fit = 0;
  for (let s = 0; s < terms.and.length; s++) {
    fit += ((s & t) === s ? terms.and[s] : 0) + ((s & t) !== 0 ? terms.or[s] : 0);
  }
  return fit;
}
