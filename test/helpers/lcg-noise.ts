/** Test data helpers shared by the kernel-thread tests: deterministic noise and byte views. */

/** Deterministic pseudo-random numbers (LCG) in [-scale / 2, scale / 2). */
export function noise(n: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let p = 0; p < n; p++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[p] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

/** The bytes a typed array views (for bit-identity checks). */
export const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Whether the array is a view of shared memory (a threaded pass's output). */
export const shared = (a: ArrayBufferView): boolean => a.buffer instanceof SharedArrayBuffer;
