/**
 * The browser's provider decisions as pure functions, with fake adapters and environments:
 * 'auto' never takes a software or fallback WebGPU adapter, and the report says whether wasm is
 * threaded and why not. The real-Chromium side is in test/browser/web-demo.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createModelSession, type RuntimeBackend } from '../../src/index.js';
import { describeWasmThreading } from '../../src/runtime/wasm-threading.js';
import { softwareAdapterReason } from '../../src/runtime/webgpu-adapter.js';

describe('softwareAdapterReason', () => {
  it('accepts hardware adapters', () => {
    expect(softwareAdapterReason({ info: { vendor: 'nvidia', architecture: 'ampere', device: '', description: '' } })).toBeNull();
    expect(softwareAdapterReason({ isFallbackAdapter: false, info: { vendor: 'intel', architecture: 'gen-12lp', isFallbackAdapter: false } })).toBeNull();
    expect(softwareAdapterReason({ info: { vendor: 'apple', architecture: 'metal-3' } })).toBeNull();
    // An adapter that reports nothing is not assumed to be software.
    expect(softwareAdapterReason({})).toBeNull();
    // 'cpu' as part of a longer name (e.g. a vendor string) is not a CPU adapter.
    expect(softwareAdapterReason({ info: { vendor: 'amd', description: 'AMD Radeon (cpu-integrated)' } })).toBeNull();
  });

  it("refuses Chromium's SwiftShader as it reports itself (headless Chromium 156)", () => {
    const reason = softwareAdapterReason({ info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true } });
    expect(reason).toMatch(/software adapter \(SwiftShader\)/);
    expect(reason).toMatch(/vendor 'google', architecture 'swiftshader'/);
    expect(reason).toMatch(/isFallbackAdapter/);
    expect(reason).toMatch(/pass provider: 'webgpu' to use it anyway/);
  });

  it('refuses llvmpipe, lavapipe, WARP and CPU devices by any info field', () => {
    expect(softwareAdapterReason({ info: { description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toMatch(/\(llvmpipe\)/);
    expect(softwareAdapterReason({ info: { vendor: 'mesa', device: 'Lavapipe' } })).toMatch(/\(lavapipe\)/);
    expect(softwareAdapterReason({ info: { description: 'Microsoft Basic Render Driver' } })).toMatch(/WARP/);
    expect(softwareAdapterReason({ info: { architecture: 'CPU' } })).toMatch(/a CPU device/);
  });

  it('refuses an adapter flagged as fallback on the adapter (older browsers) or its info (newer)', () => {
    expect(softwareAdapterReason({ isFallbackAdapter: true })).toMatch(/a fallback adapter .*no adapter info; the browser marks it isFallbackAdapter/);
    expect(softwareAdapterReason({ info: { vendor: 'x', isFallbackAdapter: true } })).toMatch(/a fallback adapter .*vendor 'x'/);
  });
});

describe('describeWasmThreading', () => {
  const base = { threads: undefined, requested: undefined, crossOriginIsolated: true, sharedArrayBuffer: true, hardwareConcurrency: 8 };

  it('threaded on an isolated page: the count and what chose it', () => {
    expect(describeWasmThreading({ ...base, threads: 4 })).toEqual({
      threaded: true,
      threads: 4,
      reason: expect.stringMatching(/^4 wasm threads \(medinfer's default, min\(4, floor\(hardwareConcurrency 8 \/ 2\)\)\)/),
    });
    expect(describeWasmThreading({ ...base, threads: 2, requested: 2 })).toEqual({
      threaded: true,
      threads: 2,
      reason: expect.stringMatching(/^2 wasm threads \(as requested\)/),
    });
    // Before the first session: predicted from medinfer's default (min(4, floor(8 / 2)) = 4).
    expect(describeWasmThreading(base).threads).toBe(4);
    // 2 cores: 1 thread (2 threads measured 1.1-1.5x slower there, bench/browser-models.mjs); 3 cores: 1 (ORT's own default says 2).
    expect(describeWasmThreading({ ...base, hardwareConcurrency: 2 }).threaded).toBe(false);
    expect(describeWasmThreading({ ...base, hardwareConcurrency: 3 }).threads).toBe(1);
    expect(describeWasmThreading({ ...base, hardwareConcurrency: 6 }).threads).toBe(3);
    expect(describeWasmThreading({ ...base, hardwareConcurrency: 64 }).threads).toBe(4);
  });

  it('not cross-origin isolated: single-threaded, and says so with the headers to send', () => {
    const r = describeWasmThreading({ ...base, crossOriginIsolated: false, sharedArrayBuffer: false, requested: 4 });
    expect(r.threaded).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.reason).toMatch(/not cross-origin isolated/);
    expect(r.reason).toMatch(/Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    // Even when a flag forces SharedArrayBuffer on, onnxruntime-web's default is 1 there.
    expect(describeWasmThreading({ ...base, threads: 1, crossOriginIsolated: false }).reason).toMatch(/not cross-origin isolated/);
  });

  it('other single-threaded causes are named', () => {
    expect(describeWasmThreading({ ...base, crossOriginIsolated: undefined, sharedArrayBuffer: false }).reason).toMatch(/SharedArrayBuffer is unavailable/);
    expect(describeWasmThreading({ ...base, threads: 1, requested: 1 }).reason).toBe('single-threaded: 1 thread was requested');
    expect(describeWasmThreading({ ...base, threads: 1, hardwareConcurrency: 2 }).reason).toMatch(
      /medinfer's default, min\(4, floor\(hardwareConcurrency 2 \/ 2\)\) = 1 \(on 2 cores, 2 wasm threads measured slower than 1 for the small 2D models/,
    );
    expect(describeWasmThreading({ ...base, threads: 1, requested: 4 }).reason).toMatch(
      /4 requested, but the count was fixed by this page's first onnxruntime-web session/,
    );
  });
});

/** A browser-like backend whose WebGPU adapter is software: only 'auto' may refuse it. */
function fakeBrowserBackend(): RuntimeBackend & { probes: unknown[] } {
  const probes: unknown[] = [];
  return {
    platform: 'browser',
    autoOrder: ['webgpu', 'wasm'],
    probes,
    async unavailableReason(provider, probe) {
      probes.push({ provider, probe });
      if (provider !== 'webgpu') return null;
      return probe?.auto ? softwareAdapterReason({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } }) : null;
    },
    wasmThreading: () =>
      describeWasmThreading({ threads: 1, requested: undefined, crossOriginIsolated: false, sharedArrayBuffer: false, hardwareConcurrency: 2 }),
    async createSession() {
      return { inputNames: ['x'], outputNames: ['y'], inputMetadata: [], outputMetadata: [], run: async () => ({}), release: async () => {} };
    },
    loadModelBytes: async () => new Uint8Array(1),
  };
}

describe('provider resolution tells the backend whether the choice was auto', () => {
  it("'auto' drops the software adapter with its reason and runs wasm; the report carries wasm threading", async () => {
    const backend = fakeBrowserBackend();
    const s = await createModelSession(backend, { bytes: new Uint8Array(4) }, { provider: 'auto' });
    expect(s.provider.used).toBe('wasm');
    expect(s.provider.dropped).toEqual([{ provider: 'webgpu', reason: expect.stringMatching(/software adapter \(SwiftShader\)/) }]);
    expect(s.provider.wasm).toEqual({ threaded: false, threads: 1, reason: expect.stringMatching(/not cross-origin isolated/) });
    expect(backend.probes[0]).toEqual({ provider: 'webgpu', probe: { auto: true } });
  });

  it("an explicit 'webgpu' (alone or first in a list) still gets the adapter", async () => {
    for (const provider of ['webgpu', ['webgpu', 'wasm']] as const) {
      const backend = fakeBrowserBackend();
      const s = await createModelSession(backend, { bytes: new Uint8Array(4) }, { provider });
      expect(s.provider.used).toBe('webgpu');
      expect(s.provider.dropped).toEqual([]);
      expect(backend.probes[0]).toEqual({ provider: 'webgpu', probe: { auto: false } });
    }
  });
});
