/**
 * The browser backend's wasm thread count when the caller sets none: min(4, floor(cores / 2)),
 * so a 2-core machine runs 1 thread (2 measured 1.45x slower there, ARCHITECTURE.md), and 1 on
 * a page that is not cross-origin isolated. onnxruntime-web's env is global: each case resets it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { createWebBackend } from '../../src/runtime/ort-web.js';
import { defaultWasmThreads } from '../../src/runtime/wasm-threading.js';

const g = globalThis as { navigator?: unknown; crossOriginIsolated?: boolean };
const saved = { navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'), crossOriginIsolated: Object.getOwnPropertyDescriptor(globalThis, 'crossOriginIsolated') };

function page(cores: number, isolated: boolean): void {
  Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: cores }, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'crossOriginIsolated', { value: isolated, configurable: true, writable: true });
  (ort.env.wasm as { numThreads?: number }).numThreads = undefined;
}

afterEach(() => {
  for (const [key, d] of Object.entries(saved)) {
    if (d) Object.defineProperty(globalThis, key, d);
    else delete (g as Record<string, unknown>)[key];
  }
  (ort.env.wasm as { numThreads?: number }).numThreads = undefined;
});

describe('wasm threads by default', () => {
  it('min(4, floor(cores / 2)), at least 1', () => {
    expect([1, 2, 3, 4, 5, 8, 16, 64].map(defaultWasmThreads)).toEqual([1, 1, 1, 2, 2, 4, 4, 4]);
    expect(defaultWasmThreads(undefined)).toBe(1);
  });

  it('2 cores, isolated page: 1 thread, and the report says it is the default and why', () => {
    page(2, true);
    const backend = createWebBackend();
    expect(ort.env.wasm.numThreads).toBe(1);
    expect(backend.wasmThreading?.()).toEqual({ threaded: false, threads: 1, reason: expect.stringMatching(/^single-threaded: medinfer's default, min\(4, floor\(hardwareConcurrency 2 \/ 2\)\) = 1 \(on 2 cores, 2 wasm threads measured 1\.45x slower than 1/) });
  });

  it('8 cores, isolated: 4 threads; not isolated: 1 (with the headers to send); an explicit count wins', () => {
    page(8, true);
    expect(createWebBackend().wasmThreading?.()).toEqual({ threaded: true, threads: 4, reason: expect.stringMatching(/^4 wasm threads \(medinfer's default/) });
    page(8, false);
    expect(createWebBackend().wasmThreading?.()).toMatchObject({ threaded: false, threads: 1, reason: expect.stringMatching(/not cross-origin isolated/) });
    page(2, true);
    expect(createWebBackend({ numThreads: 2 }).wasmThreading?.()).toEqual({ threaded: true, threads: 2, reason: expect.stringMatching(/^2 wasm threads \(as requested\)/) });
  });
});
