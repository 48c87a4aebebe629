/**
 * The DICOM reader in real headless Chromium (Debian package, playwright-core; fresh profile per launch): the isomorphic
 * src/io/dicom is bundled for the browser with esbuild, the page fetches fixture bytes and reads
 * them - native LE/BE/implicit, deflated (fflate), RLE, and the wasm codecs passed as `codecs`
 * loaders the way an app would - and the pixel hashes equal pydicom's reference, as in Node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleForBrowser, CHROMIUM, launchChromium, LOOPBACK_ONLY, MODULE_PAGE, openPage, QUIET_FLAGS, serveOnLoopback } from '../../helpers/chromium.js';
import { FIXTURES, loadReference } from './helpers.js';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FILES = [
  'CT_small.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_implicit.dcm',
  'image_dfl.dcm',
  'MR_small_RLE.dcm',
  'SC_rgb_rle.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_jp2klossless.dcm',
  'generated/mr_htj2k_lossless.dcm',
  'SC_rgb_jpeg_dcmtk.dcm',
  'generated/ct_jpeg_lossless_sv1.dcm',
  'generated/enhanced_ct_5frames.dcm',
];
const WASM: Record<string, string> = {
  'charlswasm_decode.wasm': 'node_modules/@cornerstonejs/codec-charls/dist/charlswasm_decode.wasm',
  'openjpegwasm_decode.wasm': 'node_modules/@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.wasm',
  'openjphjs.wasm': 'node_modules/@cornerstonejs/codec-openjph/dist/openjphjs.wasm',
  'libjpegturbowasm_decode.wasm': 'node_modules/@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.wasm',
};

// The page entry an app would write: the reader plus codec loaders that find their .wasm under /wasm/.
const ENTRY = `
import { readDicom } from ${JSON.stringify(join(ROOT, 'src/io/dicom/index.ts'))};
const at = (load) => () => load().then((m) => ({ default: (o) => (m.default ?? m)({ ...o, locateFile: (p) => '/wasm/' + p }) }));
const codecs = {
  'jpeg-ls': at(() => import('@cornerstonejs/codec-charls/decodewasmjs')),
  'jpeg-2000': at(() => import('@cornerstonejs/codec-openjpeg/decodewasmjs')),
  htj2k: at(() => import('@cornerstonejs/codec-openjph/wasmjs')),
  'jpeg-baseline': at(() => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')),
};
window.readFixture = async (name) => {
  const bytes = new Uint8Array(await (await fetch('/fixtures/' + name)).arrayBuffer());
  const v = await readDicom(bytes, { name, applyModalityLut: false, codecs });
  const f64 = Float64Array.from(v.data);
  const digest = await crypto.subtle.digest('SHA-256', f64.buffer);
  const sha = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { type: v.type, size: v.geometry.size, components: v.components, sha, isNode: typeof process !== 'undefined' };
};
`;

let stopServer: (() => Promise<void>) | undefined;
let browser: Browser;
let base = '';

describe.runIf(existsSync(CHROMIUM))('readDicom in headless Chromium', () => {
  beforeAll(async () => {
    // The emscripten builds' Node branches are never taken in a browser.
    const js = await bundleForBrowser({ contents: ENTRY, resolveDir: ROOT, loader: 'js' }, ['fs', 'path', 'crypto', 'url', 'module', 'worker_threads']);
    const find = (url: string): Uint8Array | string | undefined => {
      if (url === '/') return MODULE_PAGE;
      if (url === '/bundle.js') return js;
      if (url.startsWith('/wasm/') && WASM[url.slice(6)] !== undefined) return readFileSync(join(ROOT, WASM[url.slice(6)]!));
      if (url.startsWith('/fixtures/') && !url.includes('..')) return readFileSync(join(FIXTURES, url.slice(10)));
      return undefined;
    };
    ({ base, close: stopServer } = await serveOnLoopback(find));
    browser = await launchChromium([...QUIET_FLAGS, '--disable-gpu', LOOPBACK_ONLY]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer?.();
  });

  test('every codec decodes to the same pixels as pydicom (and Node)', async () => {
    const { page, errors } = await openPage(browser, base);
    await page.waitForFunction(() => typeof (window as unknown as { readFixture?: unknown }).readFixture === 'function');
    const reference = new Map(loadReference().files.map((f) => [f.file, f]));
    for (const file of FILES) {
      const got = await page.evaluate(
        (f) =>
          (
            window as unknown as { readFixture(n: string): Promise<{ type: string; size: number[]; components: number; sha: string; isNode: boolean }> }
          ).readFixture(f),
        file,
      );
      const ref = reference.get(file)!;
      expect(got.isNode, file).toBe(false);
      expect([got.type, got.size, got.components], file).toEqual([ref.raw.dtype, ref.size, ref.components]);
      expect(got.sha, file).toBe(ref.raw.sha256);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
