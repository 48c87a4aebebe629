/**
 * 16-bit PNG in real headless Chromium: the browser reader must give the same samples as Node's
 * sharp-based reader (full depth, never cut to 8 bits by a canvas), for grey, grey + alpha and
 * RGB files; 8-bit files keep the canvas path; a PNG over maxVoxels is refused from its header.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readRaster } from '../../src/node.js';
import { bundleForBrowser, CHROMIUM, launchChromium, MODULE_PAGE, openPage, QUIET_FLAGS, serveOnLoopback } from '../helpers/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = `
import { readImageInBrowser } from ${JSON.stringify(join(ROOT, 'src/io/browser/read-image.ts'))};
window.readPng = async (b64, maxVoxels) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  try {
    const v = await readImageInBrowser({ name: 'x.png', bytes }, maxVoxels ? { maxVoxels } : {});
    return { type: v.type, size: v.geometry.size, components: v.components, bitsStored: v.meta.bitsStored, data: Array.from(v.data) };
  } catch (e) {
    return { error: e.name, code: e.code, message: e.message };
  }
};
`;

/** A 16-bit PNG from raw samples (sharp writes grey16 / rgb16 from uint16 input). */
async function png16(width: number, height: number, channels: 1 | 2 | 3 | 4, value: (p: number, c: number) => number): Promise<Buffer> {
  const data = new Uint16Array(width * height * channels);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < channels; c++) data[p * channels + c] = value(p, c);
  const space = channels <= 2 ? 'grey16' : 'rgb16';
  return sharp(Buffer.from(data.buffer), { raw: { width, height, channels, depth: 'ushort' } })
    .toColourspace(space)
    .png()
    .toBuffer();
}

describe.runIf(existsSync(CHROMIUM))('16-bit PNG in headless Chromium', () => {
  let stopServer: (() => Promise<void>) | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const js = await bundleForBrowser({ contents: ENTRY, resolveDir: ROOT, loader: 'js' });
    const site: Record<string, Uint8Array | string> = { '/': MODULE_PAGE, '/bundle.js': js };
    const served = await serveOnLoopback((path) => site[path]);
    stopServer = served.close;
    browser = await launchChromium([...QUIET_FLAGS, '--disable-gpu']);
    ({ page } = await openPage(browser, `${served.base}/`));
    await page.waitForFunction(() => typeof (window as unknown as { readPng?: unknown }).readPng === 'function', undefined, { timeout: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stopServer?.();
  });

  const read = (bytes: Buffer, maxVoxels?: number) =>
    page.evaluate(([b64, m]) => (window as unknown as { readPng(b: string, m?: number): Promise<Record<string, unknown>> }).readPng(b64, m), [
      bytes.toString('base64'),
      maxVoxels,
    ] as const);

  test.each([
    ['grey, 12-bit values', 1, (p: number) => (p * 37) % 4096],
    ['grey + alpha (alpha dropped)', 2, (p: number, c: number) => (c === 0 ? (p * 977) % 65536 : 1000)],
    ['RGB, full 16-bit range', 3, (p: number, c: number) => (p * 131 + c * 20011) % 65536],
    ['RGBA (alpha dropped)', 4, (p: number, c: number) => (c === 3 ? 65535 : (p * 3 + c * 4099) % 65536)],
  ] as const)('%s: equal to Node (sharp) sample for sample', async (_label, channels, value) => {
    const bytes = await png16(19, 13, channels, value);
    const node = await readRaster(new Uint8Array(bytes), { name: 'x.png' });
    const web = await read(bytes);
    expect(web['error'], String(web['message'])).toBeUndefined();
    expect(web).toMatchObject({ type: 'uint16', size: [19, 13, 1], components: node.components, bitsStored: 16 });
    expect(web['data']).toEqual(Array.from(node.data));
    expect(Math.max(...(web['data'] as number[]))).toBeGreaterThan(255);
  });

  test('8-bit PNG keeps the canvas path; a PNG over maxVoxels is refused from its header', async () => {
    const eight = await sharp(Buffer.from(Uint8Array.from({ length: 6 * 4 }, (_, p) => p * 10)), { raw: { width: 6, height: 4, channels: 1 } })
      .png()
      .toBuffer();
    const web = await read(eight);
    expect(web).toMatchObject({ type: 'uint8', size: [6, 4, 1], components: 1, bitsStored: 8 });
    expect(web['data']).toEqual(Array.from({ length: 24 }, (_, p) => p * 10));
    const big = await read(await png16(40, 30, 1, () => 7), 1000);
    expect(big).toMatchObject({ error: 'LimitError', code: 'E_LIMIT' });
  });
});
