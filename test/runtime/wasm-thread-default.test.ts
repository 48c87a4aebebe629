/**
 * The browser backend's wasm thread count when the caller sets none: min(4, floor(cores / 2)),
 * so a 2-core machine runs 1 thread (2 measured 1.45x slower there, ARCHITECTURE.md), and 1 on
 * a page that is not cross-origin isolated; a model entry's inference.maxWasmThreads lowers it at
 * the page's first session only. onnxruntime-web's env is global: each case resets it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { ManifestError } from '../../src/core/errors.js';
import { parseManifest } from '../../src/manifest/load.js';
import { createWebBackend } from '../../src/runtime/ort-web.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultWasmThreads, describeWasmThreading, modelPageThreads } from '../../src/runtime/wasm-threading.js';

const g = globalThis as { navigator?: unknown; crossOriginIsolated?: boolean };
const saved = {
  navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'),
  crossOriginIsolated: Object.getOwnPropertyDescriptor(globalThis, 'crossOriginIsolated'),
};

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
    expect(backend.wasmThreading?.()).toEqual({
      threaded: false,
      threads: 1,
      reason: expect.stringMatching(
        new RegExp(
          String.raw`^single-threaded: medinfer's default, min\(4, floor\(hardwareConcurrency 2 \/ 2\)\) = 1 ` +
            String.raw`\(on 2 cores, 2 wasm threads measured slower than 1 for the small 2D models and for every model under load; ` +
            String.raw`entries measured faster on 2 say so with inference\.minWasmThreads`,
        ),
      ),
    });
  });

  it('8 cores, isolated: 4 threads; not isolated: 1 (with the headers to send); an explicit count wins', () => {
    page(8, true);
    expect(createWebBackend().wasmThreading?.()).toEqual({ threaded: true, threads: 4, reason: expect.stringMatching(/^4 wasm threads \(medinfer's default/) });
    page(8, false);
    expect(createWebBackend().wasmThreading?.()).toMatchObject({ threaded: false, threads: 1, reason: expect.stringMatching(/not cross-origin isolated/) });
    page(2, true);
    expect(createWebBackend({ numThreads: 2 }).wasmThreading?.()).toEqual({
      threaded: true,
      threads: 2,
      reason: expect.stringMatching(/^2 wasm threads \(as requested\)/),
    });
  });
});

describe("a model entry's inference.maxWasmThreads", () => {
  const base = { threads: undefined, requested: undefined, crossOriginIsolated: true, sharedArrayBuffer: true, hardwareConcurrency: 8 };

  it("lowers the count at the page's first session and the report says it was the model, not the default", () => {
    expect(describeWasmThreading({ ...base, threads: 1, modelMax: 1, pageCap: 1 })).toEqual({
      threaded: false,
      threads: 1,
      reason: expect.stringMatching(
        new RegExp(
          String.raw`^single-threaded: a model entry's inference\.maxWasmThreads \(1\), applied at this page's first session; ` +
            String.raw`medinfer's default, min\(4, floor\(hardwareConcurrency 8 \/ 2\)\) would be 4`,
        ),
      ),
    });
    expect(describeWasmThreading({ ...base, threads: 2, modelMax: 2, pageCap: 2 }).reason).toMatch(
      /^2 wasm threads \(a model entry's inference\.maxWasmThreads \(2\)/,
    );
    // A later model without a cap on that page is told where the count came from, not "the default".
    expect(describeWasmThreading({ ...base, threads: 1, pageCap: 1 }).reason).toMatch(
      /^single-threaded: a model entry's inference\.maxWasmThreads \(1\), applied at this page's first session/,
    );
  });

  it('says so when the page already runs more threads than the model wants (count fixed earlier, or asked for)', () => {
    expect(describeWasmThreading({ ...base, threads: 4, modelMax: 1 })).toEqual({
      threaded: true,
      threads: 4,
      reason: expect.stringMatching(
        new RegExp(
          String.raw`^4 wasm threads \(medinfer's default.*; this model's entry asks for at most 1 \(inference\.maxWasmThreads\), ` +
            String.raw`but the count was fixed by this page's first onnxruntime-web session$`,
        ),
      ),
    });
    expect(describeWasmThreading({ ...base, threads: 2, requested: 2, modelMax: 1 }).reason).toMatch(
      /at most 1 \(inference\.maxWasmThreads\), but the caller asked for the count$/,
    );
    // A cap at or above the count changes nothing.
    expect(describeWasmThreading({ ...base, threads: 4, modelMax: 4 }).reason).toMatch(
      /^4 wasm threads \(medinfer's default, min\(4, floor\(hardwareConcurrency 8 \/ 2\)\)\); the page is cross-origin isolated$/,
    );
  });

  it("the web backend applies it to onnxruntime-web at the first session only, and never over a caller's count", async () => {
    page(8, true);
    const model = new Uint8Array(readFileSync(fileURLToPath(new URL('../fixtures/models/tiny-classifier.onnx', import.meta.url))));
    const explicit = createWebBackend({ numThreads: 3 });
    expect(ort.env.wasm.numThreads).toBe(3);
    expect(explicit.wasmThreading?.({ maxWasmThreads: 1 }).reason).toMatch(/but the caller asked for the count$/);
    page(8, true);
    const backend = createWebBackend();
    expect(ort.env.wasm.numThreads).toBe(4);
    // Node has no SharedArrayBuffer-backed wasm threads to test here: the count ORT is given is what matters.
    const session = await backend.createSession(model, 'wasm', { maxWasmThreads: 1 });
    expect(ort.env.wasm.numThreads).toBe(1);
    expect(backend.wasmThreading?.({ maxWasmThreads: 1 })).toMatchObject({
      threaded: false,
      threads: 1,
      reason: expect.stringMatching(/maxWasmThreads \(1\), applied at this page's first session/),
    });
    await session.release();
    // Later sessions keep the page's count: a second backend (a new pipeline) cannot lower or raise it.
    const later = createWebBackend();
    const second = await later.createSession(model, 'wasm', { maxWasmThreads: 2 });
    expect(ort.env.wasm.numThreads).toBe(1);
    expect(later.wasmThreading?.({})?.reason).toMatch(
      /^single-threaded: a model entry's inference\.maxWasmThreads \(1\), applied at this page's first session/,
    );
    await second.release();
  });
});

/** The bundled manifest with model `id`'s inference fields patched (the schema and load checks then judge them). */
function withInference(id: string, patch: Record<string, unknown>) {
  const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../models.manifest.json', import.meta.url)), 'utf8')) as {
    models: Record<string, { inference: Record<string, unknown> }>;
  };
  return { ...manifest, models: { [id]: { ...manifest.models[id]!, inference: { ...manifest.models[id]!.inference, ...patch } } } };
}

describe('inference.maxWasmThreads in the manifest', () => {
  const id = 'medinfer-cxr-densenet-phantom';
  const withCap = (cap: unknown) => withInference(id, { maxWasmThreads: cap });

  it('is accepted as a positive integer and reaches the entry; 0 or a fraction is a manifest error', () => {
    expect(parseManifest(withCap(1)).models[id]!.inference.maxWasmThreads).toBe(1);
    expect(() => parseManifest(withCap(0))).toThrow(ManifestError);
    expect(() => parseManifest(withCap(1.5))).toThrow(ManifestError);
  });
});

describe("a model entry's inference.minWasmThreads", () => {
  const base = { threads: undefined, requested: undefined, crossOriginIsolated: true, sharedArrayBuffer: true, hardwareConcurrency: 2 };

  it('raises the default to the floor, never above the cores or a cap, and only where threads can run', () => {
    expect(modelPageThreads(1, { min: 2 }, 2, true)).toEqual({ threads: 2, bound: 'minWasmThreads' });
    expect(modelPageThreads(1, { min: 4 }, 2, true)).toEqual({ threads: 2, bound: 'minWasmThreads' });
    expect(modelPageThreads(1, { min: 4, max: 3 }, 8, true)).toEqual({ threads: 3, bound: 'minWasmThreads' });
    // A floor at or below the default (bigger machines) changes nothing; one core has nothing to add.
    expect(modelPageThreads(4, { min: 2 }, 8, true)).toBeUndefined();
    expect(modelPageThreads(1, { min: 2 }, 1, true)).toBeUndefined();
    expect(modelPageThreads(1, { min: 2 }, undefined, true)).toBeUndefined();
    expect(modelPageThreads(1, { min: 2 }, 2, false)).toBeUndefined();
    expect(modelPageThreads(4, { max: 1 }, 8, true)).toEqual({ threads: 1, bound: 'maxWasmThreads' });
    // Bounds that contradict each other (only possible from code): the cap wins.
    expect(modelPageThreads(4, { min: 8, max: 2 }, 8, true)).toEqual({ threads: 2, bound: 'maxWasmThreads' });
  });

  it('the report says the model raised the count, or that the page was fixed before it could', () => {
    expect(describeWasmThreading({ ...base, threads: 2, modelMin: 2, pageFloor: 2 })).toEqual({
      threaded: true,
      threads: 2,
      reason: expect.stringMatching(
        new RegExp(
          String.raw`^2 wasm threads \(a model entry's inference\.minWasmThreads \(2\), applied at this page's first session: its ops are large ` +
            String.raw`enough for threads to pay; medinfer's default, min\(4, floor\(hardwareConcurrency 2 \/ 2\)\) would be 1\)`,
        ),
      ),
    });
    expect(describeWasmThreading({ ...base, threads: 1, modelMin: 2 }).reason).toMatch(
      /; this model's entry asks for at least 2 \(inference\.minWasmThreads\), but the count was fixed by this page's first onnxruntime-web session$/,
    );
    expect(describeWasmThreading({ ...base, threads: 1, requested: 1, modelMin: 2 }).reason).toMatch(/at least 2 .*but the caller asked for the count$/);
    // Not isolated: no threads to ask for, so nothing is said beyond why.
    expect(describeWasmThreading({ ...base, threads: 1, crossOriginIsolated: false, modelMin: 2 }).reason).not.toMatch(/minWasmThreads/);
  });
  // The backend applying it in a real page: test/browser/wasm-threads.test.ts.
});

describe('inference.minWasmThreads in the manifest', () => {
  const id = 'medinfer-brats-unet3d-phantom';
  const withBounds = (bounds: Record<string, unknown>) => withInference(id, bounds);

  it('is a positive integer not above maxWasmThreads', () => {
    expect(parseManifest(withBounds({ minWasmThreads: 2 })).models[id]!.inference.minWasmThreads).toBe(2);
    expect(parseManifest(withBounds({ minWasmThreads: 2, maxWasmThreads: 2 })).models[id]!.inference.minWasmThreads).toBe(2);
    expect(() => parseManifest(withBounds({ minWasmThreads: 0 }))).toThrow(ManifestError);
    expect(() => parseManifest(withBounds({ minWasmThreads: 3, maxWasmThreads: 2 }))).toThrow(/minWasmThreads 3 is above inference\.maxWasmThreads 2/);
  });
});
