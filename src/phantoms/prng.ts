/**
 * Seeded pseudo-random numbers for phantoms. Integer state only (splitmix32 seeding + mulberry32
 * stream, both 32-bit integer arithmetic through Math.imul), so the uniform stream is bit-identical
 * in every JS engine. Normal deviates use Math.log / Math.cos, which V8 and SpiderMonkey both
 * implement with fdlibm ports; generated phantoms are therefore identical in Node and Chromium.
 * Never use Math.random in a generator: training data, held-out test data and the end-to-end tests
 * are all defined by (generator, seed, index).
 */

export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal deviate (Box-Muller; the second deviate is kept for the next call). */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** splitmix32 finaliser: turns consecutive integers into well-mixed 32-bit seeds. */
export function mixSeed(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Seed of case `index` in a dataset generated with `seed`. Case i of a dataset is therefore
 * reproducible on its own (a test can regenerate case 17 without generating cases 0..16).
 */
export function caseSeed(seed: number, index: number): number {
  return mixSeed((mixSeed(seed >>> 0) ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let state = mixSeed(Math.floor(seed) >>> 0);
  let spare: number | undefined;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const u = 1 - next(); // (0, 1]: log(0) avoided
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick() needs a non-empty array');
      return items[Math.floor(next() * items.length)] as T;
    },
  };
}
