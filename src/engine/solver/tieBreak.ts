/**
 * The tie-break costs that make the AND-OR LP's optimum unique (method.md 3a): among all
 * decompositions of least sum |and(S)| + |or(S)|, the canonical one has the least
 * sum h(id) |term(id)|, where id is the solver's term id (the mask for AND terms, mask + 2^n
 * for OR terms) and h a 53-bit hash of (id, variant) in [0, 1).
 *
 * Why a hash and not frac(id * golden ratio), the rule first proposed: that h is additive
 * modulo 1, so h(a) + h(b) = h(c) + h(d) whenever a + b = c + d (without wrap-around), and
 * such ties left whole edges of optima: on 8 of 36 small test games HiGHS and `exact` reached
 * points up to 4.4% of max |I| apart (3 with other salient sets) with both objectives equal
 * to 1e-9. A mixing hash has no such relations (0 of 36), and uses only 32-bit integer
 * steps, so any language reproduces it bit for bit.
 */

/** murmur3's 32-bit finaliser: a bijection on 32-bit integers that mixes every bit. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** h(id, variant) = (a 2^21 + floor(b / 2^11)) / 2^53, a, b two hashes of id + variant 2^27. */
export function tieBreakCost(id: number, variant: number): number {
  const key = (id + variant * 2 ** 27) >>> 0;
  const a = fmix32(key);
  const b = fmix32((key ^ 0x68e31da4) >>> 0);
  return (a * 2 ** 21 + (b >>> 11)) / 2 ** 53;
}

/** h by term id (length 2 * size); 0 for the free constant (id 0). */
export function tieBreakCosts(size: number, variant = 0): Float64Array {
  const costs = new Float64Array(2 * size);
  for (let id = 1; id < 2 * size; id++) {
    costs[id] = tieBreakCost(id, variant);
  }
  return costs;
}
