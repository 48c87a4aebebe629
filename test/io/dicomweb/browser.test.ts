/**
 * The DICOMweb client in real headless Chromium (Debian package, playwright-core): the isomorphic
 * src/io/dicomweb is bundled for the browser with esbuild; the page is served by a loopback server
 * that also forwards /dicom-web/ to the private Orthanc (same origin, as an app behind a reverse
 * proxy would be: Orthanc sends no CORS headers). In the page, QIDO-RS finds the series,
 * readDicomWebSeries reads it, STOW-RS stores an instance; the volume equals the Node reading of
 * the same files voxel for voxel.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDicomWebClient, readDicomSeries } from '../../../src/index.js';
import { generateChestCt } from '../../../src/phantoms.js';
import { orthancAvailable, startOrthanc, type OrthancInstance } from '../../helpers/orthanc.js';
import { writeVolumeAsDicomSeries } from '../../helpers/dicom-series-writer.js';
import { bundleForBrowser, CHROMIUM, launchChromium, LOOPBACK_ONLY, MODULE_PAGE, openPage, QUIET_FLAGS, serveOnLoopback } from '../../helpers/chromium.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const STUDY = '1.2.826.0.1.3680043.10.1234.720.1';
const SERIES = `${STUDY}.1`;

const ENTRY = `
import { createDicomWebClient, readDicomWebSeries } from ${JSON.stringify(join(ROOT, 'src/io/dicomweb/index.ts'))};
window.runDicomWeb = async (user, password, extra) => {
  const url = location.origin + '/dicom-web';
  const auth = { kind: 'basic', user, password };
  const client = createDicomWebClient({ url, auth });
  const series = await client.searchSeries(${JSON.stringify(STUDY)}, { match: { Modality: 'CT' } });
  const progress = [];
  const v = await readDicomWebSeries({
    url, auth, study: ${JSON.stringify(STUDY)}, series: series[0].seriesInstanceUid, onProgress: (p) => progress.push(p.instances),
  });
  const digest = await crypto.subtle.digest('SHA-256', Float64Array.from(v.data).buffer);
  const stored = await client.store([new Uint8Array(extra)], { study: ${JSON.stringify(STUDY)} });
  return {
    series: series.map((s) => s.seriesInstanceUid), size: v.geometry.size, spacing: v.geometry.spacing, origin: v.geometry.origin,
    sha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''), progress: progress.at(-1),
    stored: stored.stored.map((s) => s.sopInstanceUid), isNode: typeof process !== 'undefined',
  };
};
`;

describe.runIf(existsSync(CHROMIUM) && orthancAvailable())('DICOMweb client in headless Chromium', () => {
  let pacs: OrthancInstance;
  let stopServer: (() => Promise<void>) | undefined;
  let browser: Browser;
  let base = '';
  const ct = generateChestCt({ seed: 3, size: [40, 36, 8], spacingMm: [0.9, 0.8, 2.5], nodules: [0, 0] });
  const files = writeVolumeAsDicomSeries(ct.image, {
    modality: 'CT',
    studyUid: STUDY,
    seriesUid: SERIES,
    frameOfReferenceUid: `${STUDY}.9`,
    seriesNumber: 2,
    seriesDescription: 'CT',
  });
  const extra = writeVolumeAsDicomSeries(ct.image, {
    modality: 'CT',
    studyUid: STUDY,
    seriesUid: `${STUDY}.2`,
    frameOfReferenceUid: `${STUDY}.9`,
    seriesNumber: 3,
    seriesDescription: 'copy',
  })[0]!;

  beforeAll(async () => {
    pacs = await startOrthanc();
    await createDicomWebClient({ url: pacs.dicomWebUrl, auth: pacs.auth }).store(files, { study: STUDY });
    const js = await bundleForBrowser({ contents: ENTRY, resolveDir: ROOT, loader: 'js' });
    // Reverse proxy to Orthanc: method, headers (auth included) and body passed through.
    const proxy: RequestListener = (req, res) => {
      const url = req.url ?? '/';
      if (!url.startsWith('/dicom-web/')) return void res.writeHead(404).end();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers: Record<string, string> = {};
        for (const h of ['authorization', 'accept', 'content-type']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
        const upstream = await fetch(`${pacs.restUrl}${url}`, {
          method: req.method ?? 'GET',
          headers,
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        });
        const out: Record<string, string> = {};
        const ct2 = upstream.headers.get('content-type');
        if (ct2) out['content-type'] = ct2;
        res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
      });
    };
    const site: Record<string, Uint8Array | string> = { '/': MODULE_PAGE, '/bundle.js': js };
    ({ base, close: stopServer } = await serveOnLoopback((path) => site[path], { fallback: proxy }));
    browser = await launchChromium([...QUIET_FLAGS, '--disable-gpu', LOOPBACK_ONLY]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer?.();
    await pacs?.stop();
  });

  test('QIDO-RS, readDicomWebSeries and STOW-RS in the page: the same volume as Node reads', async () => {
    const { page, errors } = await openPage(browser, base);
    await page.waitForFunction(() => typeof (window as unknown as { runDicomWeb?: unknown }).runDicomWeb === 'function');
    type Got = { series: string[]; size: number[]; spacing: number[]; origin: number[]; sha: string; progress: number; stored: string[]; isNode: boolean };
    const got = await page.evaluate(
      ([u, p, bytes]) => (window as unknown as { runDicomWeb(u: string, p: string, b: number[]): Promise<Got> }).runDicomWeb(u, p, bytes),
      [pacs.auth.user, pacs.auth.password, Array.from(extra)] as const,
    );
    const local = await readDicomSeries(files.map((bytes, i) => ({ name: `f${i}`, bytes })));
    expect(got.isNode).toBe(false);
    expect(got.series).toEqual([SERIES]);
    expect(got.size).toEqual([40, 36, 8]);
    expect(got.spacing).toEqual(local.geometry.spacing);
    expect(got.origin).toEqual(local.geometry.origin);
    expect(got.sha).toBe(
      createHash('sha256')
        .update(new Uint8Array(Float64Array.from(local.data).buffer))
        .digest('hex'),
    );
    expect(got.progress).toBe(8);
    expect(got.stored).toEqual([`${STUDY}.2.1`]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
