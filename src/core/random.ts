// Seeded pseudo-random numbers, so masks, splits, initialisations and samples are reproducible
// on every platform. SplitMix32: small, fast, and good enough for sampling (not for crypto).

export type Rng = () => number;

/** A generator of uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A Poisson sample: by inversion for small rates, by the normal approximation above 60 (where
 * e^(-rate) would make inversion slow, and underflows past about 745).
 */
export function poisson(rate: number, rng: Rng): number {
  if (rate > 60) return Math.max(0, Math.round(rate + Math.sqrt(rate) * normal(rng)));
  const l = Math.exp(-rate);
  let k = 0;
  let p = rng();
  while (p > l) {
    k++;
    p *= rng();
  }
  return k;
}

/** Shuffles `items` in place (Fisher–Yates) and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
