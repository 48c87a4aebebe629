/**
 * A model entry's wasm thread bounds in real headless Chromium (onnxruntime-web 1.30): on a
 * cross-origin-isolated page whose caller sets no count, the first session of a model with
 * `minWasmThreads` raises onnxruntime-web's one per-page pool from the default (half the cores)
 * to min(minWasmThreads, cores), the provider report says so, the outputs equal a 1-thread page's,
 * and a later model that asks for fewer is told the page's count was fixed before it. Without
 * isolation nothing is raised. The pure rules: test/runtime/wasm-thread-default.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, CHROMIUM, launchChromium, LOOPBACK_ONLY, MODULE_PAGE, openPage, QUIET_FLAGS, serveOnLoopback } from '../helpers/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODEL = join(ROOT, 'test/fixtures/models/tiny-classifier.onnx');
const ORT_DIST = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu')).replace(/[\\/]dist$/, ''), 'dist');
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
// Each page: a backend with no thread count (the SDK's default), sessions opened with the bounds given.
const ENTRY = `
import * as ort from 'onnxruntime-web/webgpu';
import { createWebBackend } from ${JSON.stringify(join(ROOT, 'src/runtime/ort-web.ts'))};
import { createModelSession } from ${JSON.stringify(join(ROOT, 'src/runtime/model-session.ts'))};
window.openAndRun = async (bounds) => {
  const session = await createModelSession(createWebBackend({ wasmPaths: '/ort/' }), { url: '/model.onnx' }, { provider: 'wasm', modelId: 'm', ...bounds });
  const data = new Float32Array(2 * 16 * 16).map((_, i) => Math.sin(i * 0.37));
  const out = await session.run({ image: { type: 'float32', dims: [2, 1, 16, 16], data } });
  await session.dispose();
  return { wasm: session.provider.wasm, numThreads: ort.env.wasm.numThreads, cores: navigator.hardwareConcurrency, logits: Array.from(out.logits.data) };
};
`;

interface Opened {
  wasm: { threaded: boolean; threads: number; reason: string };
  numThreads: number;
  cores: number;
  logits: number[];
}

describe.runIf(existsSync(CHROMIUM))('inference.minWasmThreads in headless Chromium', () => {
  const servers: Array<() => Promise<void>> = [];
  let browser: Browser;
  let isolated: string;
  let plain: string;

  beforeAll(async () => {
    const js = await bundleForBrowser({ contents: ENTRY, resolveDir: ROOT, loader: 'js' });
    const ortFiles = new Set(readdirSync(ORT_DIST));
    const find = (path: string) => {
      if (path === '/') return MODULE_PAGE;
      if (path === '/bundle.js') return js;
      if (path === '/model.onnx') return readFileSync(MODEL);
      const name = path.startsWith('/ort/') ? path.slice(5) : '';
      return ortFiles.has(name) ? readFileSync(join(ORT_DIST, name)) : undefined;
    };
    const a = await serveOnLoopback(find, { headers: ISOLATED });
    const b = await serveOnLoopback(find);
    servers.push(a.close, b.close);
    isolated = `${a.base}/`;
    plain = `${b.base}/`;
    browser = await launchChromium([...QUIET_FLAGS, '--disable-gpu', LOOPBACK_ONLY]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    for (const close of servers) await close();
  });

  /** A fresh page (onnxruntime-web's count is per page) opening one session per entry of `runs`, in order. */
  async function onPage(url: string, runs: Array<Record<string, number>>): Promise<Opened[]> {
    const { page, errors } = await openPage(browser, url);
    try {
      await page.waitForFunction(() => typeof (window as unknown as { openAndRun?: unknown }).openAndRun === 'function', undefined, { timeout: 20_000 });
      const out: Opened[] = [];
      for (const bounds of runs) out.push(await page.evaluate((b) => (window as unknown as { openAndRun(b: unknown): Promise<Opened> }).openAndRun(b), bounds));
      expect(errors).toEqual([]);
      return out;
    } finally {
      await page.close();
    }
  }

  it('raises the first session of an isolated page to min(minWasmThreads, cores), same outputs, and says why', async () => {
    const [one] = await onPage(isolated, [{}]);
    const [raised, later] = await onPage(isolated, [{ minWasmThreads: 2 }, { maxWasmThreads: 1 }]);
    const cores = raised!.cores;
    const defaultThreads = Math.max(1, Math.min(4, Math.floor(cores / 2)));
    const want = Math.max(defaultThreads, Math.min(2, cores));
    expect(one!.numThreads).toBe(defaultThreads);
    expect(raised!.numThreads).toBe(want);
    expect(raised!.wasm.threads).toBe(want);
    if (want > defaultThreads)
      expect(raised!.wasm.reason).toMatch(/^2 wasm threads \(a model entry's inference\.minWasmThreads \(2\), applied at this page's first session/);
    // The page's pool is fixed: the later model's cap cannot lower it, and its report says so.
    expect(later!.numThreads).toBe(want);
    if (want > 1)
      expect(later!.wasm.reason).toMatch(/at most 1 \(inference\.maxWasmThreads\), but the count was fixed by this page's first onnxruntime-web session$/);
    raised!.logits.forEach((v, i) => expect(Math.abs(v - one!.logits[i]!)).toBeLessThan(1e-5));
  }, 90_000);

  it('a page that is not cross-origin isolated stays single-threaded and says why', async () => {
    const [r] = await onPage(plain, [{ minWasmThreads: 2 }]);
    expect(r!.numThreads).toBe(1);
    expect(r!.wasm).toEqual({ threaded: false, threads: 1, reason: expect.stringMatching(/not cross-origin isolated/) });
  }, 60_000);
});
