/**
 * Games (vectors of 2^n masked outputs) for the solver tests and the solver benchmark:
 * planted sparse AND/OR games with known terms, and the masked outputs of small random MLPs.
 */

import { popcount } from '../../src/engine/subsets';

/** Deterministic uniform [0, 1) generator, so failures reproduce. */
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
 * with distinct random subsets (AND orders 1..maxOrder, OR orders 2..maxOrder), magnitudes
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
  const and = Array.from({ length: options.andTerms }, () => draw(1));
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
 * The masked outputs of a random two-hidden-layer tanh MLP on 2n raw inputs (variable i owns
 * inputs 2i and 2i+1; baseline 0), read out as the log-odds of a sigmoid unit: a stand-in
 * for the games the tool solves for real networks.
 */
export function mlpGame(n: number, seed: number, hidden = 32): Float64Array {
  const random = seededRandom(seed);
  const inputs = 2 * n;
  const weights = (rows: number, cols: number): Float64Array =>
    Float64Array.from({ length: rows * cols }, () => gaussian(random) / Math.sqrt(cols));
  const w1 = weights(hidden, inputs);
  const w2 = weights(hidden, hidden);
  const w3 = weights(1, hidden);
  const b1 = Float64Array.from({ length: hidden }, () => 0.1 * gaussian(random));
  const x = Float64Array.from({ length: inputs }, () => 1 + gaussian(random));
  const layer = (w: Float64Array, input: Float64Array, rows: number, bias?: Float64Array) => {
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let total = bias ? bias[r] : 0;
      for (let c = 0; c < input.length; c++) {
        total += w[r * input.length + c] * input[c];
      }
      out[r] = Math.tanh(total);
    }
    return out;
  };
  const values = new Float64Array(1 << n);
  const masked = new Float64Array(inputs);
  for (let t = 0; t < values.length; t++) {
    for (let i = 0; i < inputs; i++) {
      masked[i] = (t >> (i >> 1)) & 1 ? x[i] : 0;
    }
    const h2 = layer(w2, layer(w1, masked, hidden, b1), hidden);
    let logit = 0;
    for (let c = 0; c < hidden; c++) {
      logit += 4 * w3[c] * h2[c];
    }
    values[t] = logit;
  }
  return values;
}
