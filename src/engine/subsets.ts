/** Subsets of the n input variables are n-bit masks; every 2^n vector is indexed by mask. */

export function popcount(mask: number): number {
  let m = mask - ((mask >>> 1) & 0x55555555);
  m = (m & 0x33333333) + ((m >>> 2) & 0x33333333);
  return (((m + (m >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** order[mask] = |S| for every subset of n variables. */
export function subsetOrders(n: number): Uint8Array {
  const orders = new Uint8Array(1 << n);
  for (let mask = 1; mask < orders.length; mask++) {
    orders[mask] = orders[mask >>> 1] + (mask & 1);
  }
  return orders;
}

/** The variables (indices) in a subset, ascending. */
export function membersOf(mask: number): number[] {
  const members: number[] = [];
  for (let i = 0; mask >>> i; i++) {
    if ((mask >>> i) & 1) {
      members.push(i);
    }
  }
  return members;
}
