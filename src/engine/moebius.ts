/**
 * Fast subset transforms, O(n 2^n) in-place butterflies over the n bits (method.md 3).
 * Every function takes a vector of length 2^n indexed by subset mask and returns a new one.
 */

function log2Length(values: ArrayLike<number>): number {
  const n = Math.log2(values.length);
  if (!Number.isInteger(n)) {
    throw new RangeError(`expected a vector of length 2^n, got ${values.length}`);
  }
  return n;
}

/** AND (Harsanyi / Moebius): I(S) = sum_{T subset of S} (-1)^{|S|-|T|} v(T). */
export function moebius(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  const n = log2Length(out);
  for (let bit = 0; bit < n; bit++) {
    const step = 1 << bit;
    for (let mask = 0; mask < out.length; mask++) {
      if (mask & step) {
        out[mask] -= out[mask ^ step];
      }
    }
  }
  return out;
}

/** Inverse of `moebius`: v(T) = sum_{S subset of T} I(S). */
export function zeta(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  const n = log2Length(out);
  for (let bit = 0; bit < n; bit++) {
    const step = 1 << bit;
    for (let mask = 0; mask < out.length; mask++) {
      if (mask & step) {
        out[mask] += out[mask ^ step];
      }
    }
  }
  return out;
}

/** Transpose of `zeta`: g(S) = sum_{T superset of S} y(T). */
export function supersetSum(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  const n = log2Length(out);
  for (let bit = 0; bit < n; bit++) {
    const step = 1 << bit;
    for (let mask = 0; mask < out.length; mask++) {
      if (!(mask & step)) {
        out[mask] += out[mask | step];
      }
    }
  }
  return out;
}

/** f(T) = values(N \ T). */
export function complement(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  const full = values.length - 1;
  for (let mask = 0; mask < values.length; mask++) {
    out[mask] = values[full ^ mask];
  }
  return out;
}

/**
 * OR interactions of v_or (method.md 3): I_or(S) = -sum_{T subset of S} (-1)^{|S|-|T|}
 * v_or(x_{N\T}) for S != {}, and I_or({}) = v_or(x_{}) so that
 * v_or(x_T) = sum_{S = {} or S meets T} I_or(S).
 */
export function orTransform(values: ArrayLike<number>): Float64Array {
  const out = moebius(complement(values));
  for (let mask = 1; mask < out.length; mask++) {
    out[mask] = -out[mask];
  }
  out[0] = values[0];
  return out;
}

/** Inverse of `orTransform`: v_or(T) = I_or({}) + sum_{S meets T} I_or(S). */
export function orZeta(interactions: ArrayLike<number>): Float64Array {
  const full = interactions.length - 1;
  const negated = new Float64Array(interactions.length);
  let total = 0;
  for (let mask = 1; mask < interactions.length; mask++) {
    negated[mask] = -interactions[mask];
    total += interactions[mask];
  }
  // sum_{S subset of N\T, S != {}} -I(S) = -(total - sum_{S meets T} I(S))
  const disjoint = zeta(negated);
  const out = new Float64Array(interactions.length);
  for (let mask = 0; mask < interactions.length; mask++) {
    out[mask] = interactions[0] + total + disjoint[full ^ mask];
  }
  return out;
}
