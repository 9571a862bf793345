// Exact optimal transport on a line, without any LP: for a cost h(x − y) with h convex (the
// squared distance, say) between bins sorted by position, the monotone coupling, which fills
// the bins of b in order with the mass of a in order, is optimal. O(m) per pair.

import type { CostMatrix } from './cost';

/**
 * The exact OT cost between histograms a and b of equal mass on bins sorted along a line, for
 * a cost matrix of the form h(x_i − x_j) with h convex (e.g. `lineGridCost`).
 */
export function oneDimensionalTransportCost(a: ArrayLike<number>, b: ArrayLike<number>, cost: CostMatrix): number {
  const m = cost.size;
  if (a.length !== m || b.length !== m) throw new RangeError(`a and b must have ${m} bins`);
  let i = 0;
  let j = 0;
  let restA = a[0];
  let restB = b[0];
  let total = 0;
  while (i < m && j < m) {
    const moved = Math.min(restA, restB);
    total += moved * cost.values[i * m + j];
    restA -= moved;
    restB -= moved;
    // Advance whichever bin is exhausted (the one with less left, to absorb rounding).
    if (restA <= restB) {
      i++;
      if (i < m) restA = a[i];
    } else {
      j++;
      if (j < m) restB = b[j];
    }
  }
  return total;
}
