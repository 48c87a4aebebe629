/**
 * The web demo in real headless Chromium (Debian package, driven by playwright-core): the page
 * loads, runs classification and segmentation on the sample data with wasm, and the outputs
 * equal Node's; a WebGPU run (SwiftShader adapter) equals wasm. What the viewer draws is tested in
 * web-viewer.test.ts.
 * Chromium here has only SwiftShader, a software adapter: 'auto' must report it dropped and run
 * wasm, while an explicit 'webgpu' still runs on it. The report says how wasm is threaded.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/index.js';
import { sha256Hex } from '../../src/runtime/checksum.js';
import { createPipeline, readImageBytes, readManifestFile } from '../../src/node.js';
import { startWebServer, type WebServer } from '../../src/cli/web/web-server.js';
import { createSampleFiles } from '../../src/cli/web/sample-data.js';
import { CHROMIUM, launchChromium, LOOPBACK_ONLY, openPage, QUIET_FLAGS } from '../helpers/chromium.js';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const haveBrowser = existsSync(CHROMIUM) && existsSync(fileURLToPath(new URL('../../dist/web/app.js', import.meta.url)));

async function writeDemoManifest(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-web-'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(fixture('models/tiny-classifier.onnx'), join(dir, 'models', 'cls.onnx'));
  copyFileSync(fixture('sliding-window/net.onnx'), join(dir, 'models', 'seg.onnx'));
  const sha = async (f: string) => sha256Hex(new Uint8Array(readFileSync(join(dir, 'models', f))));
  const manifest = {
    manifestVersion: 1,
    datasets: { phantoms: { name: 'phantoms', tasks: ['classification', 'segmentation'], modality: 'CR, MR', acquisition: { kind: 'generated' } } },
    models: {
      cls: {
        task: 'classification',
        title: 'tiny classifier',
        datasets: ['phantoms'],
        architecture: 'tiny CNN',
        dimensionality: 2,
        files: [{ role: 'model', path: 'models/cls.onnx', sha256: await sha('cls.onnx') }],
        weights: { kind: 'bundled' },
        io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }] },
        preprocess: [
          { op: 'xrvNormalize', maxval: 4095 },
          { op: 'resize', size: [16, 16], mode: 'area' },
          { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
        ],
        inference: { mode: 'whole' },
        postprocess: [{ op: 'sigmoid' }],
        labels: ['a', 'b', 'c'],
        intendedUse: 'browser tests only',
      },
      seg: {
        task: 'segmentation',
        title: 'conv net',
        datasets: ['phantoms'],
        architecture: 'conv',
        dimensionality: 3,
        files: [{ role: 'model', path: 'models/seg.onnx', sha256: await sha('seg.onnx') }],
        weights: { kind: 'bundled' },
        io: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 2, -1, -1, -1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 3, -1, -1, -1] }] },
        inputs: [{ name: 't1' }, { name: 'flair' }],
        preprocess: [
          { op: 'stackChannels', order: ['t1', 'flair'] },
          { op: 'zscore', nonzero: true, channelWise: true },
          { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
        ],
        inference: { mode: 'slidingWindow', roi: [32, 32, 32], overlap: 0.25, batch: 2, blend: 'gaussian' },
        postprocess: [{ op: 'softmax', axis: 1 }, { op: 'argmax' }],
        labels: [
          { name: 'background', value: 0 },
          { name: 'one', value: 1 },
          { name: 'two', value: 2 },
        ],
        intendedUse: 'browser tests only',
      },
    },
  };
  writeFileSync(join(dir, 'models.manifest.json'), JSON.stringify(manifest));
  return join(dir, 'models.manifest.json');
}

/** A demo server (bundled manifest where `manifestPath` is undefined) and a Chromium of its own, both closed after `body`. */
async function onFreshDemo(manifestPath: string | undefined, body: (page: Page, url: string) => Promise<void>): Promise<void> {
  const srv = await startWebServer(manifestPath === undefined ? { port: 0 } : { port: 0, manifestPath });
  const b = await launchChromium(['--no-sandbox', '--disable-background-networking', '--enable-unsafe-webgpu', LOOPBACK_ONLY]);
  try {
    await body(await b.newPage(), srv.url);
  } finally {
    await b.close();
    await srv.close();
  }
}

let server: WebServer;
let browser: Browser;
let page: Page;
let manifest: Manifest;

type Demo = { medinfer: { ready: Promise<void>; runSample(m: string, s: string, p: string): Promise<Record<string, any>> } };

describe.runIf(haveBrowser || process.env.CI)('web demo in headless Chromium', () => {
  beforeAll(async () => {
    const manifestPath = await writeDemoManifest();
    manifest = await readManifestFile(manifestPath);
    server = await startWebServer({ port: 0, manifestPath });
    browser = await launchChromium([...QUIET_FLAGS, '--enable-unsafe-webgpu', LOOPBACK_ONLY]);
    let errors: string[];
    ({ page, errors } = await openPage(browser, server.url));
    await page.evaluate(() => (window as unknown as Demo).medinfer.ready);
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is cross-origin isolated (wasm threads) and lists the models', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const options = await page.$$eval('#model option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(options).toEqual(['cls', 'seg']);
  });

  it('classification with wasm equals Node within 1e-4; WebGPU equals wasm within 1e-3', async () => {
    const wasm = await page.evaluate(() => (window as unknown as Demo).medinfer.runSample('cls', 'chest radiograph (NIfTI, 12-bit)', 'wasm'));
    expect(wasm.provider.used).toBe('wasm');
    const samples = await createSampleFiles();
    const pipe = await createPipeline('classification', 'cls', { manifest, provider: 'cpu' });
    const node = await pipe.run(await readImageBytes(samples.files.get('cxr.nii.gz')!, { name: 'cxr.nii.gz' }));
    await pipe.dispose();
    node.labels.forEach((l, i) => expect(Math.abs(l.score - wasm.labels[i].score)).toBeLessThan(1e-4));
    const gpu = await page.evaluate(() => (window as unknown as Demo).medinfer.runSample('cls', 'chest radiograph (NIfTI, 12-bit)', 'webgpu'));
    expect(gpu.provider.used).toBe('webgpu');
    expect(gpu.provider.dropped).toEqual([]);
    gpu.labels.forEach((l: { score: number }, i: number) => expect(Math.abs(l.score - wasm.labels[i].score)).toBeLessThan(1e-3));
    expect(await page.textContent('#status')).toMatch(/on webgpu/);
  });

  it("'auto' drops the SwiftShader adapter (software, fallback) with the reason and runs wasm, threaded on this isolated page", async () => {
    const auto = await page.evaluate(() => (window as unknown as Demo).medinfer.runSample('cls', 'chest radiograph (NIfTI, 12-bit)', 'auto'));
    expect(auto.provider.requested).toEqual(['webgpu', 'wasm']);
    expect(auto.provider.used).toBe('wasm');
    expect(auto.provider.dropped).toEqual([
      { provider: 'webgpu', reason: expect.stringMatching(/software adapter \(SwiftShader\).*architecture 'swiftshader'.*isFallbackAdapter/) },
    ]);
    // The demo leaves the thread count to the SDK: min(4, floor(cores / 2)), 1 on this 2-core machine.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Math.max(1, Math.min(4, Math.floor(cores / 2)));
    expect(auto.provider.wasm).toMatchObject({ threaded: threads > 1, threads, reason: expect.stringMatching(/medinfer's default/) });
    expect(auto.labels).toHaveLength(3);
    expect(await page.textContent('#status')).toMatch(/on wasm \(dropped: webgpu: the WebGPU adapter is a software adapter/);
  });

  it('segmentation with wasm equals Node, and the page keeps the label map for its viewer', async () => {
    const wasm = await page.evaluate(() => (window as unknown as Demo).medinfer.runSample('seg', 'brain MRI, 4 sequences', 'wasm'));
    const samples = await createSampleFiles();
    const read = async (m: string) => readImageBytes(samples.files.get(`brain-${m}.nii.gz`)!, { name: `brain-${m}.nii.gz` });
    const pipe = await createPipeline('segmentation', 'seg', { manifest, provider: 'cpu' });
    const node = await pipe.run({ t1: await read('t1'), flair: await read('flair') }, { probabilities: true });
    await pipe.dispose();
    const counts: Record<number, number> = {};
    for (const v of node.labels.data) counts[v] = (counts[v] ?? 0) + 1;
    for (const [label, n] of Object.entries(counts)) expect(Math.abs(wasm.counts[label] - n)).toBeLessThanOrEqual(Math.ceil(n * 1e-4));
    const probs = node.probabilities!.data;
    wasm.probabilitySample.forEach((p: number, i: number) => expect(Math.abs(p - probs[Math.floor((i * probs.length) / 64)]!)).toBeLessThan(1e-4));
    // The page shows the label map the page computed as its label layer.
    const shown = await page.evaluate(() => (window as unknown as Demo & { medinfer: { shownLabels(): { size: number[] } | null } }).medinfer.shownLabels());
    expect(shown?.size).toEqual(node.labels.geometry.size);
  });
});

describe.runIf(haveBrowser || process.env.CI)('a page that is not cross-origin isolated', () => {
  it('the provider report says wasm runs single-threaded and why', async () => {
    await onFreshDemo(await writeDemoManifest(), async (p, url) => {
      // The demo server sends COOP / COEP; strip them as a host that does not would.
      await p.route('**/*', async (route) => {
        const response = await route.fetch();
        const headers = { ...response.headers() };
        delete headers['cross-origin-opener-policy'];
        delete headers['cross-origin-embedder-policy'];
        await route.fulfill({ response, headers });
      });
      await p.goto(url);
      await p.evaluate(() => (window as unknown as Demo).medinfer.ready);
      expect(await p.evaluate(() => crossOriginIsolated)).toBe(false);
      const r = await p.evaluate(() => (window as unknown as Demo).medinfer.runSample('cls', 'chest radiograph (NIfTI, 12-bit)', 'auto'));
      expect(r.provider.used).toBe('wasm');
      expect(r.provider.wasm).toEqual({
        threaded: false,
        threads: 1,
        reason: expect.stringMatching(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/),
      });
    });
  });
});

describe.runIf(haveBrowser || process.env.CI)('WebGPU binding limits in the browser', () => {
  it('an input over maxStorageBufferBindingSize runs on wasm with the reason reported, not a crash', async () => {
    await onFreshDemo(await writeDemoManifest(), async (p, url) => {
      // 16x16 float input = 1024 bytes: a 512-byte limit forces the fallback.
      await p.goto(`${url}?maxStorageBufferBindingSize=512`);
      const r = await p.evaluate(() => (window as unknown as Demo).medinfer.runSample('cls', 'chest radiograph (NIfTI, 12-bit)', 'webgpu'));
      expect(r.provider.used).toBe('webgpu');
      expect(r.provider.fallbacks).toEqual([
        expect.objectContaining({
          provider: 'webgpu',
          reason: expect.stringMatching(/exceeds the WebGPU adapter's maxStorageBufferBindingSize \(512 bytes\); this run used wasm/),
        }),
      ]);
      expect(r.labels).toHaveLength(3);
    });
  });
});

describe.runIf(haveBrowser || process.env.CI)('web demo with the bundled models', () => {
  it('bundled classifier and 3D U-Net: wasm equals Node; the classifier on WebGPU equals wasm', async () => {
    await onFreshDemo(undefined, async (p, url) => {
      await p.goto(url);
      await p.evaluate(() => (window as unknown as Demo).medinfer.ready);
      const samples = await createSampleFiles();
      const bundled = await readManifestFile();
      const cls = await p.evaluate(() =>
        (window as unknown as Demo).medinfer.runSample('medinfer-cxr-densenet-phantom', 'chest radiograph (NIfTI, 12-bit)', 'wasm'),
      );
      const nodeCls = await createPipeline('classification', 'medinfer-cxr-densenet-phantom', { manifest: bundled, provider: 'cpu' });
      const n = await nodeCls.run(await readImageBytes(samples.files.get('cxr.nii.gz')!, { name: 'cxr.nii.gz' }));
      await nodeCls.dispose();
      n.labels.forEach((l, i) => expect(Math.abs(l.score - cls.labels[i].score)).toBeLessThan(1e-4));
      const gpu = await p.evaluate(() =>
        (window as unknown as Demo).medinfer.runSample('medinfer-cxr-densenet-phantom', 'chest radiograph (NIfTI, 12-bit)', 'webgpu'),
      );
      expect(gpu.provider.used).toBe('webgpu');
      gpu.labels.forEach((l: { score: number }, i: number) => expect(Math.abs(l.score - cls.labels[i].score)).toBeLessThan(1e-3));
      const seg = await p.evaluate(() => (window as unknown as Demo).medinfer.runSample('medinfer-brats-unet3d-phantom', 'brain MRI, 4 sequences', 'wasm'));
      const read = async (m: string) => readImageBytes(samples.files.get(`brain-${m}.nii.gz`)!, { name: `brain-${m}.nii.gz` });
      const nodeSeg = await createPipeline('segmentation', 'medinfer-brats-unet3d-phantom', { manifest: bundled, provider: 'cpu' });
      const s = await nodeSeg.run(
        { t1: await read('t1'), t1ce: await read('t1ce'), t2: await read('t2'), flair: await read('flair') },
        { probabilities: true },
      );
      await nodeSeg.dispose();
      const counts: Record<number, number> = {};
      for (const v of s.labels.data) counts[v] = (counts[v] ?? 0) + 1;
      for (const [label, c] of Object.entries(counts)) expect(Math.abs(seg.counts[label] - c)).toBeLessThanOrEqual(Math.max(2, Math.ceil(c * 1e-4)));
      const probs = s.probabilities!.data;
      seg.probabilitySample.forEach((v: number, i: number) => expect(Math.abs(v - probs[Math.floor((i * probs.length) / 64)]!)).toBeLessThan(1e-4));
      expect(Object.keys(seg.volumesMl).length).toBeGreaterThan(0);
    });
  });
});
