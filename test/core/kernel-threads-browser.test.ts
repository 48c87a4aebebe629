/**
 * Threaded volume kernels in real headless Chromium (Debian package, playwright-core), in a
 * cross-origin-isolated page (COOP + COEP headers): the SDK runs in a module worker, starts its
 * kernel workers with startKernelThreads, and the threaded registration passes, resampling and
 * sliding-window blending (on a shared WebAssembly memory) give the same bytes as the
 * single-threaded ones. On the page's main thread the pool declines (it may not block).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleForBrowser, CHROMIUM, launchChromium, LOOPBACK_ONLY, openPage, QUIET_FLAGS, serveOnLoopback } from '../helpers/chromium.js';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const src = (p: string) => JSON.stringify(join(ROOT, 'src', p));

// The SDK's side, in a worker as a web app would run it.
const HOST = `
import { startKernelThreads } from ${src('postprocess/threads/browser-slab-pool.ts')};
import { createGeometry } from ${src('core/geometry.ts')};
import { createVolume } from ${src('core/volume.ts')};
import { integrateVelocity } from ${src('postprocess/registration/integrate.ts')};
import { warpVolume } from ${src('postprocess/registration/warp.ts')};
import { computeJacobianDeterminant } from ${src('postprocess/registration/jacobian.ts')};
import { configureKernelThreads } from ${src('core/threads/slab-pool.ts')};
import { buildTransformTables } from ${src('preprocess/resample-grid.ts')};
import { labelsTrilinearSeparable, sampleTrilinearSeparable } from ${src('preprocess/separable-trilinear.ts')};
import { runSlidingWindow } from ${src('runtime/sliding-window/sliding-window.ts')};
import { applySoftmaxChannelsInPlace } from ${src('postprocess/classification/activations.ts')};
const noise = (n, scale, seed) => {
  const o = new Float32Array(n);
  let s = seed >>> 0;
  for (let p = 0; p < n; p++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; o[p] = (s / 2 ** 32 - 0.5) * scale; }
  return o;
};
const same = (a, b) => {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};
const shared = (a) => a.buffer instanceof SharedArrayBuffer;
self.onmessage = async () => {
  const status = await startKernelThreads({ threads: 2, workerUrl: '/slab-worker.js' });
  const size = [67, 61, 71], n = size[0] * size[1] * size[2];
  const geometry = createGeometry({ size, spacing: [0.9, 1.2, 2.5] });
  const velocity = createVolume({ geometry, data: noise(3 * n, 8, 7), components: 3 });
  const image = createVolume({ geometry, data: noise(n, 200, 11) });
  const u1 = integrateVelocity(velocity, { steps: 4, threads: 1 }), u2 = integrateVelocity(velocity, { steps: 4, threads: 2 });
  const w1 = warpVolume(image, u1, { threads: 1 }), w2 = warpVolume(image, u1, { threads: 2 });
  const j1 = computeJacobianDeterminant(u1, { threads: 1 }), j2 = computeJacobianDeterminant(u1, { threads: 2 });
  // Segmentation kernels: resampling (+ fused argmax) above its crossover, 3 channels 61x55x41 -> 121x105x85.
  const srcSize = [61, 55, 41], outSize = [121, 105, 85];
  const tables = buildTransformTables({ axes: [0, 1, 2], scale: [0.5, 0.52, 0.48], offset: [-0.3, 0.2, 0.1] }, srcSize, outSize, true, 'fill');
  const source = { src: noise(3 * 61 * 55 * 41, 10, 9), srcSize, channels: 3, outSize, tables, fill: 0 };
  const r1 = sampleTrilinearSeparable(source, 1), r2 = sampleTrilinearSeparable(source, 2);
  const l1 = labelsTrilinearSeparable(source, { kind: 'argmax' }, 1), l2 = labelsTrilinearSeparable(source, { kind: 'argmax' }, 2);
  // Blending on a shared WebAssembly memory, then softmax in place on it (crossover off: a small run).
  const predict = async (w) => {
    const n = w.data.length / w.dims[0];
    const out = new Float32Array(3 * w.data.length);
    for (let i = 0; i < w.dims[0]; i++) for (let c = 0; c < 3; c++) for (let v = 0; v < n; v++) out[(i * 3 + c) * n + v] = w.data[i * n + v] * (c - 1);
    return { type: 'float32', data: out, dims: [w.dims[0], 3, ...w.dims.slice(2)] };
  };
  const input = { type: 'float32', data: noise(64 * 60 * 50, 4, 21), dims: [1, 1, 64, 60, 50] };
  const blended = [];
  for (const threads of [1, 2]) {
    configureKernelThreads({ threads, minVoxels: 0 });
    const out = await runSlidingWindow(input, predict, { roi: [32, 32, 32], overlap: 0.5, batch: 2 });
    blended.push([shared(out.data), applySoftmaxChannelsInPlace(out.data, 3)]);
  }
  configureKernelThreads({});
  self.postMessage({
    status, crossOriginIsolated: self.crossOriginIsolated,
    integrate: [same(u1.data, u2.data), shared(u1.data), shared(u2.data)],
    warp: [same(w1.data, w2.data), shared(w1.data), shared(w2.data)],
    jacobian: [same(j1.determinant.data, j2.determinant.data), shared(j2.determinant.data), j1.foldedVoxels, j2.foldedVoxels],
    resample: [same(r1, r2), shared(r1), shared(r2)],
    resampleArgmax: [same(l1, l2), shared(l1), shared(l2)],
    blendSoftmax: [same(blended[0][1], blended[1][1]), blended[0][0], blended[1][0]],
  });
};
`;
const PAGE = `
import { startKernelThreads } from ${src('postprocess/threads/browser-slab-pool.ts')};
window.run = async () => {
  const main = await startKernelThreads({ threads: 2, workerUrl: '/slab-worker.js' });
  const host = new Worker('/host.js', { type: 'module' });
  const result = await new Promise((resolve, reject) => {
    host.onmessage = (e) => resolve(e.data);
    host.onerror = (e) => reject(new Error(e.message));
    host.postMessage('go');
  });
  return { main, ...result };
};
`;

let stopServer: (() => Promise<void>) | undefined;
let browser: Browser;
let base = '';

const bundle = (contents: string) => bundleForBrowser({ contents, resolveDir: ROOT, loader: 'ts' });

describe.runIf(existsSync(CHROMIUM))('threaded volume kernels in headless Chromium (cross-origin isolated)', () => {
  beforeAll(async () => {
    const files: Record<string, Uint8Array | string> = {
      '/': '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
      '/page.js': await bundle(PAGE),
      '/host.js': await bundle(HOST),
      '/slab-worker.js': await bundleForBrowser({ entry: join(ROOT, 'src/postprocess/threads/slab-worker-browser.ts') }),
    };
    // Cross-origin isolation: the only way a page gets SharedArrayBuffer.
    const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    ({ base, close: stopServer } = await serveOnLoopback((path) => files[path], { headers }));
    browser = await launchChromium([...QUIET_FLAGS, '--disable-gpu', LOOPBACK_ONLY]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer?.();
  });

  test('in a worker: 2 threads, bit-identical to 1 thread; on the main thread: declined', async () => {
    const { page, errors } = await openPage(browser, base);
    await page.waitForFunction(() => typeof (window as unknown as { run?: unknown }).run === 'function');
    const r = await page.evaluate(() => (window as unknown as { run(): Promise<Record<string, unknown>> }).run());
    expect(r.main).toEqual({ threads: 1, reason: 'main-thread' });
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.status).toEqual({ threads: 2 });
    expect(r.integrate).toEqual([true, false, true]);
    expect(r.warp).toEqual([true, false, true]);
    const [same, isShared, folded1, folded2] = r.jacobian as [boolean, boolean, number, number];
    expect([same, isShared, folded2]).toEqual([true, true, folded1]);
    expect(folded1).toBeGreaterThan(0);
    // Segmentation kernels: resampling on the pool; blending and softmax on a shared wasm memory.
    expect(r.resample).toEqual([true, false, true]);
    expect(r.resampleArgmax).toEqual([true, false, true]);
    expect(r.blendSoftmax).toEqual([true, false, true]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
