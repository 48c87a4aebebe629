/**
 * The browser backend's wasm memory check in real headless Chromium (onnxruntime-web 1.30 wasm,
 * the bundled brainchop aparc-aseg-50 network): a whole 256^3 volume, whose last convolution
 * needs 30 + 50 float32 channels of it (5 GiB, past the wasm32 heap's 4 GiB), is refused with a
 * LimitError that names the model, the estimate, the limit and what to use instead - before ORT
 * sees the feed, so no std::bad_alloc - and the same session then runs a small block (the refusal
 * is about the input, not the model). Estimates themselves: test/runtime/wasm-memory.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, CHROMIUM, launchChromium, LOOPBACK_ONLY, MODULE_PAGE, openPage, QUIET_FLAGS, serveOnLoopback } from '../helpers/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODEL = join(ROOT, 'models/brainchop/model30chan50cls.onnx');
const ORT_DIST = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu')).replace(/[\\/]dist$/, ''), 'dist');
const ENTRY = `
import { createWebBackend } from ${JSON.stringify(join(ROOT, 'src/runtime/ort-web.ts'))};
import { createModelSession } from ${JSON.stringify(join(ROOT, 'src/runtime/model-session.ts'))};
let session;
window.runAparc = async (dims) => {
  session ??= await createModelSession(createWebBackend({ wasmPaths: '/ort/', numThreads: 1 }), { url: '/model.onnx' },
    { provider: 'wasm', modelId: 'brainchop-aparc-aseg-50' });
  const n = dims.reduce((a, b) => a * b, 1);
  const t = performance.now();
  try {
    const out = await session.run({ input: { type: 'float32', dims, data: new Float32Array(n).fill(0.5) } });
    return { ms: performance.now() - t, dims: out.logits.dims };
  } catch (e) {
    return { ms: performance.now() - t, error: e.name, code: e.code, message: e.message, details: e.details };
  }
};
`;

describe.runIf(existsSync(CHROMIUM))('wasm memory limit in headless Chromium (brainchop aparc-aseg-50)', () => {
  let stopServer: (() => Promise<void>) | undefined;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    const js = await bundleForBrowser({ contents: ENTRY, resolveDir: ROOT, loader: 'js' });
    const ortFiles = new Set(readdirSync(ORT_DIST));
    const served = await serveOnLoopback((path) => {
      if (path === '/') return MODULE_PAGE;
      if (path === '/bundle.js') return js;
      if (path === '/model.onnx') return readFileSync(MODEL);
      const name = path.startsWith('/ort/') ? path.slice(5) : '';
      return ortFiles.has(name) ? readFileSync(join(ORT_DIST, name)) : undefined;
    });
    stopServer = served.close;
    browser = await launchChromium([...QUIET_FLAGS, '--disable-gpu', LOOPBACK_ONLY]);
    ({ page, errors } = await openPage(browser, `${served.base}/`));
    await page.waitForFunction(() => typeof (window as unknown as { runAparc?: unknown }).runAparc === 'function', undefined, { timeout: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stopServer?.();
  });

  const run = (dims: number[]) => page.evaluate((d) => (window as unknown as { runAparc(d: number[]): Promise<Record<string, any>> }).runAparc(d), dims);

  it('a whole 256^3 volume is refused before the run with a LimitError (model, estimate, limit, alternatives); a small block then runs', async () => {
    const big = await run([1, 1, 256, 256, 256]);
    expect(big.error, JSON.stringify(big)).toBe('LimitError');
    expect(big.code).toBe('E_LIMIT');
    expect(big.message).toMatch(/^model 'brainchop-aparc-aseg-50' needs an estimated 5122 MiB of wasm memory for this input \(input 1x1x256x256x256;/);
    expect(big.message).toMatch(/past onnxruntime-web's wasm32 limit of 4096 MiB; nothing was run\. Run it in Node/);
    expect(big.message).not.toMatch(/bad_alloc/);
    expect(big.details).toMatchObject({ modelId: 'brainchop-aparc-aseg-50', limitBytes: 4294967296, feeds: { input: [1, 1, 256, 256, 256] } });
    expect(big.details.estimatedBytes).toBeGreaterThan(4294967296);
    // Refused from the estimate, not after minutes of convolutions.
    expect(big.ms).toBeLessThan(5000);
    const small = await run([1, 1, 24, 24, 24]);
    expect(small, JSON.stringify(small)).toMatchObject({ dims: [1, 50, 24, 24, 24] });
    expect(errors).toEqual([]);
  }, 120_000);
});
