/** Loads the committed reference fixtures written by scripts/reference/preprocess/make_fixtures.py. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const DIR = fileURLToPath(new URL('../fixtures/preprocess/', import.meta.url));

export interface BinRef {
  file: string;
  dtype: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON fixture, shape checked by use
export const cases = JSON.parse(readFileSync(DIR + 'cases.json', 'utf8')) as Record<string, any>;

export function loadBin(ref: BinRef): Float32Array | Int16Array | Uint16Array {
  const buf = readFileSync(DIR + ref.file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  if (ref.dtype === 'float32') return new Float32Array(ab);
  if (ref.dtype === 'int16') return new Int16Array(ab);
  if (ref.dtype === 'uint16') return new Uint16Array(ab);
  throw new Error(`unsupported fixture dtype ${ref.dtype}`);
}

/** max |a - b| <= atol + rtol * |b| elementwise, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let p = 0; p < expected.length; p++) {
    const e = expected[p]!;
    const excess = Math.abs(actual[p]! - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = p;
    }
  }
  if (worst >= 0) expect.fail(`element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let p = 0; p < a.length; p++) m = Math.max(m, Math.abs(a[p]!));
  return m;
}

/** Deterministic pseudo-random values in [0, 1). */
export function noise(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}
