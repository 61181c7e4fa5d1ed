/**
 * In-place O(n 2^n) subset butterflies for the solvers' inner loops (the first bit in its own
 * stride-2 loop: a one-element inner loop costs several times more). They compute the same
 * transforms as ../moebius.ts (tests check that) without allocating, because the solvers
 * apply them tens of thousands of times per problem.
 */

/** v(T) = sum_{S subset of T} x(S). */
export function zetaInPlace(x: Float64Array): void {
  const size = x.length;
  for (let mask = 1; mask < size; mask += 2) {
    x[mask] += x[mask - 1];
  }
  for (let step = 2; step < size; step <<= 1) {
    for (let base = 0; base < size; base += step << 1) {
      for (let mask = base + step, end = base + (step << 1); mask < end; mask++) {
        x[mask] += x[mask - step];
      }
    }
  }
}

/** I(S) = sum_{T subset of S} (-1)^{|S|-|T|} x(T). */
export function moebiusInPlace(x: Float64Array): void {
  const size = x.length;
  for (let mask = 1; mask < size; mask += 2) {
    x[mask] -= x[mask - 1];
  }
  for (let step = 2; step < size; step <<= 1) {
    for (let base = 0; base < size; base += step << 1) {
      for (let mask = base + step, end = base + (step << 1); mask < end; mask++) {
        x[mask] -= x[mask - step];
      }
    }
  }
}

/** g(S) = sum_{T superset of S} x(T): the transpose of `zetaInPlace`. */
export function supersetSumInPlace(x: Float64Array): void {
  const size = x.length;
  for (let mask = 0; mask + 1 < size; mask += 2) {
    x[mask] += x[mask + 1];
  }
  for (let step = 2; step < size; step <<= 1) {
    for (let base = 0; base < size; base += step << 1) {
      for (let mask = base, end = base + step; mask < end; mask++) {
        x[mask] += x[mask + step];
      }
    }
  }
}

/** g(T) = sum_{S superset of T} (-1)^{|S|-|T|} x(S): the transpose of `moebiusInPlace`. */
export function supersetMoebiusInPlace(x: Float64Array): void {
  const size = x.length;
  for (let mask = 0; mask + 1 < size; mask += 2) {
    x[mask] -= x[mask + 1];
  }
  for (let step = 2; step < size; step <<= 1) {
    for (let base = 0; base < size; base += step << 1) {
      for (let mask = base, end = base + step; mask < end; mask++) {
        x[mask] -= x[mask + step];
      }
    }
  }
}

/** out(T) = x(N \ T); out and x must be distinct arrays. */
export function complementInto(x: Float64Array, out: Float64Array): void {
  const full = x.length - 1;
  for (let mask = 0; mask <= full; mask++) {
    out[mask] = x[full ^ mask];
  }
}

/**
 * The model output of dense AND and OR interactions, for every T:
 * fit(T) = sum_{S subset of T} and(S) + sum_{S meets T} or(S) (or(0) is ignored).
 * `scratch` is overwritten.
 */
export function reconstructInto(
  and: Float64Array,
  or: Float64Array,
  out: Float64Array,
  scratch: Float64Array
): void {
  const full = and.length - 1;
  out.set(and);
  zetaInPlace(out);
  let orTotal = 0;
  for (let mask = 1; mask <= full; mask++) {
    orTotal += or[mask];
  }
  // sum_{S meets T} or(S) = total - sum_{S subset of N\T} or(S)
  scratch.set(or);
  scratch[0] = 0;
  zetaInPlace(scratch);
  for (let mask = 0; mask <= full; mask++) {
    out[mask] += orTotal - scratch[full ^ mask];
  }
}
