/**
 * In-place O(n 2^n) subset butterflies for the solvers' inner loops. They compute the same
 * transforms as ../moebius.ts (tests check that) without allocating, because the solvers
 * apply them tens of thousands of times per problem.
 */

/*
 * Each transform is a butterfly over two bits at a time: every quad (a, a + step,
 * a + 2 step, a + 3 step) is replaced by a combination of its values, which halves the loads
 * and stores of the one-bit butterfly; an odd top bit gets one one-bit pass. The four are
 * written out rather than sharing a loop with a callback, which V8 would not inline.
 */

/** v(T) = sum_{S subset of T} x(S). */
export function zetaInPlace(x: Float64Array): void {
  const size = x.length;
  let step = 1;
  for (; step * 4 <= size; step <<= 2) {
    const span = step << 2;
    for (let base = 0; base < size; base += span) {
      for (let i0 = base, end = base + step; i0 < end; i0++) {
        const i1 = i0 + step;
        const i2 = i1 + step;
        const i3 = i2 + step;
        const x0 = x[i0];
        const x1 = x[i1];
        const x2 = x[i2];
        x[i1] = x0 + x1;
        x[i2] = x0 + x2;
        x[i3] += x0 + x1 + x2;
      }
    }
  }
  if (step < size) {
    for (let low = 0; low < step; low++) {
      x[low + step] += x[low];
    }
  }
}

/** I(S) = sum_{T subset of S} (-1)^{|S|-|T|} x(T). */
export function moebiusInPlace(x: Float64Array): void {
  const size = x.length;
  let step = 1;
  for (; step * 4 <= size; step <<= 2) {
    const span = step << 2;
    for (let base = 0; base < size; base += span) {
      for (let i0 = base, end = base + step; i0 < end; i0++) {
        const i1 = i0 + step;
        const i2 = i1 + step;
        const i3 = i2 + step;
        const x0 = x[i0];
        const x1 = x[i1];
        const x2 = x[i2];
        x[i1] = x1 - x0;
        x[i2] = x2 - x0;
        x[i3] += x0 - x1 - x2;
      }
    }
  }
  if (step < size) {
    for (let low = 0; low < step; low++) {
      x[low + step] -= x[low];
    }
  }
}

/** g(S) = sum_{T superset of S} x(T): the transpose of `zetaInPlace`. */
export function supersetSumInPlace(x: Float64Array): void {
  const size = x.length;
  let step = 1;
  for (; step * 4 <= size; step <<= 2) {
    const span = step << 2;
    for (let base = 0; base < size; base += span) {
      for (let i0 = base, end = base + step; i0 < end; i0++) {
        const i1 = i0 + step;
        const i2 = i1 + step;
        const i3 = i2 + step;
        const x1 = x[i1];
        const x2 = x[i2];
        const x3 = x[i3];
        x[i0] += x1 + x2 + x3;
        x[i1] = x1 + x3;
        x[i2] = x2 + x3;
      }
    }
  }
  if (step < size) {
    for (let low = 0; low < step; low++) {
      x[low] += x[low + step];
    }
  }
}

/** g(T) = sum_{S superset of T} (-1)^{|S|-|T|} x(S): the transpose of `moebiusInPlace`. */
export function supersetMoebiusInPlace(x: Float64Array): void {
  const size = x.length;
  let step = 1;
  for (; step * 4 <= size; step <<= 2) {
    const span = step << 2;
    for (let base = 0; base < size; base += span) {
      for (let i0 = base, end = base + step; i0 < end; i0++) {
        const i1 = i0 + step;
        const i2 = i1 + step;
        const i3 = i2 + step;
        const x1 = x[i1];
        const x2 = x[i2];
        const x3 = x[i3];
        x[i0] += x3 - x1 - x2;
        x[i1] = x1 - x3;
        x[i2] = x2 - x3;
      }
    }
  }
  if (step < size) {
    for (let low = 0; low < step; low++) {
      x[low] -= x[low + step];
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
