/**
 * Decompression bombs: ~1 MB inputs that inflate to 1 GiB. Each case runs in its own Node process
 * (test/io/bombs/bomb-child.ts, bundled with esbuild) so process.resourceUsage().maxRSS measures
 * that case alone; every read must end as a typed LimitError or a correct bounded read, with the
 * peak RSS under 200 MB above the child's baseline. The bombs are built here by streaming zeros
 * through zlib, so this test itself never holds more than a few MB.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createDeflateRaw, createGzip } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/volume.js';
import { writeNifti } from '../../src/io/nifti/write-nifti.js';
import { encodeElementHeader, encodeElements, encodeFileMeta, imageElements } from './dicom/build-dicom.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GIB = 2 ** 30;
const MAX_GROWTH_KIB = 200 * 1024;
const ZEROS = new Uint8Array(2 ** 20);

let work: string;
let child: string;
let server: Server;
let baseUrl: string;

/** `head` then `total - head.length` zero bytes, compressed as a stream (Z_RLE: ~1 s, ~1 MB per GiB). */
async function writeBomb(path: string, head: Uint8Array, total: number, format: 'gzip' | 'deflate'): Promise<void> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield head;
    for (let left = total - head.length; left > 0; left -= ZEROS.length) yield left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left);
  }
  const options = { level: 9, strategy: constants.Z_RLE };
  await pipeline(Readable.from(chunks()), format === 'gzip' ? createGzip(options) : createDeflateRaw(options), createWriteStream(path, { flags: 'a' }));
}

interface ChildReport {
  kind: string;
  growthKiB: number;
  error?: { name: string; code: string; message: string };
  volume?: { size: number[]; type: string; frames: number; length: number; warnings: string[] };
  bytes?: number;
}

async function runChild(kind: string, target: string): Promise<ChildReport> {
  const proc = spawn(process.execPath, [child, kind, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(proc, 'close')) as [number];
  if (code !== 0) throw new Error(`bomb child ${kind} exited ${code}: ${err}`);
  const report = JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
  if (process.env.BOMB_LOG) console.log(JSON.stringify(report));
  return report;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'medinfer-bombs-'));
  // Bundled next to the repository's node_modules (.cache is ignored) so its packages resolve.
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  child = join(ROOT, '.cache', `bomb-child-${process.pid}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, 'bombs', 'bomb-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: child,
    logLevel: 'silent',
  });

  // NIfTI: a valid 64^3 uint8 header, then 1 GiB of zeros (the first 256 KiB are the image).
  const nifti = writeNifti(createVolume({ geometry: { size: [64, 64, 64] }, data: new Uint8Array(64 ** 3), meta: {} }));
  const header = nifti.subarray(0, nifti.length - 64 ** 3);
  // The same header with vox_offset 384 MiB: the stream really holds that much "extension" first
  // (less than the other bombs to keep the test quick: inflating and dropping it takes seconds).
  const FAR = 384 * 2 ** 20;
  const farHeader = header.slice();
  new DataView(farHeader.buffer).setFloat32(108, FAR, true);
  // Deflated DICOM: meta group in the clear, then a deflated dataset whose pixel data claims 1 GiB.
  const dataset = encodeElements(imageElements(64, 64).filter((e) => e.group !== 0x7fe0));
  const pixelHeader = encodeElementHeader(0x7fe0, 0x0010, 'OW', GIB);
  const dicomHead = new Uint8Array(dataset.length + pixelHeader.length);
  dicomHead.set(dataset);
  dicomHead.set(pixelHeader, dataset.length);
  // A second one with no pixel module before a 1 GiB private blob: only the maxVoxels bound applies.
  const blobHead = encodeElementHeader(0x0009, 0x1010, 'OB', GIB);
  for (const name of ['bomb.dcm', 'bomb-blob.dcm']) writeFileSync(join(work, name), encodeFileMeta('1.2.840.10008.1.2.1.99'));
  await Promise.all([
    writeBomb(join(work, 'bomb.nii.gz'), header, header.length + GIB, 'gzip'),
    writeBomb(join(work, 'far.nii.gz'), farHeader, FAR + 64 ** 3, 'gzip'),
    writeBomb(join(work, 'bomb.dcm'), dicomHead, dicomHead.length + GIB, 'deflate'),
    writeBomb(join(work, 'bomb-blob.dcm'), blobHead, blobHead.length + GIB, 'deflate'),
  ]);

  // HTTP: 1 GiB of zeros, with and without Content-Length.
  server = createServer((req, res) => {
    if (req.url === '/sized') res.setHeader('content-length', String(GIB));
    res.writeHead(200);
    let sent = 0;
    const pump = (): void => {
      while (sent < GIB) {
        sent += ZEROS.length;
        if (!res.write(ZEROS)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = GIB));
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 60_000);

afterAll(() => {
  server?.close();
  server?.closeAllConnections();
  if (work) rmSync(work, { recursive: true, force: true });
  if (child) rmSync(child, { force: true });
});

describe('decompression bombs stay bounded', () => {
  it.each(['nifti-sync', 'nifti-async', 'nifti-file'])(
    '%s: a 1 GiB .nii.gz stream behind a 64^3 header reads the 64^3 image only',
    async (kind) => {
      const r = await runChild(kind, join(work, 'bomb.nii.gz'));
      expect(r.error).toBeUndefined();
      expect(r.volume).toMatchObject({ size: [64, 64, 64], type: 'uint8', frames: 1, length: 64 ** 3 });
      expect(r.volume!.warnings.join(' ')).toMatch(/continues past the \d+ bytes the header implies/);
      expect(r.growthKiB).toBeLessThan(MAX_GROWTH_KIB);
    },
    60_000,
  );

  it.each(['nifti-sync', 'nifti-async', 'nifti-file'])(
    '%s: vox_offset 384 MiB: the extensions are inflated and dropped, not stored',
    async (kind) => {
      const r = await runChild(kind, join(work, 'far.nii.gz'));
      expect(r.error).toBeUndefined();
      expect(r.volume).toMatchObject({ size: [64, 64, 64], type: 'uint8', length: 64 ** 3, warnings: [] });
      expect(r.growthKiB).toBeLessThan(MAX_GROWTH_KIB);
    },
    60_000,
  );

  const FROM_HEADER =
    /bomb\.dcm: deflated dataset inflates to more than \d+ bytes \(its Rows x Columns x frames imply about 8412 bytes\); not decompressed further/;
  const FROM_LIMIT = /bomb\.dcm: deflated dataset inflates to more than 68157440 bytes \(the limit derived from maxVoxels\)/;
  it.each([
    ['dicom', 'bomb.dcm', FROM_HEADER],
    ['dicom-default', 'bomb.dcm', FROM_HEADER],
    ['dicom-file', 'bomb.dcm', FROM_HEADER],
    ['dicom-tags', 'bomb.dcm', FROM_HEADER],
    ['dicom-summary', 'bomb.dcm', FROM_HEADER],
    ['dicom', 'bomb-blob.dcm', FROM_LIMIT],
    ['dicom-tags', 'bomb-blob.dcm', FROM_LIMIT],
  ] as const)(
    '%s %s: a deflated DICOM inflating to 1 GiB is a LimitError',
    async (kind, name, message) => {
      const r = await runChild(kind, join(work, name));
      expect(r.error).toMatchObject({ name: 'LimitError', code: 'E_LIMIT' });
      expect(r.error!.message.replace('bomb-blob', 'bomb')).toMatch(message);
      expect(r.growthKiB).toBeLessThan(MAX_GROWTH_KIB);
    },
    60_000,
  );

  it.each(['/sized', '/streamed'])(
    'fetch %s: a 1 GiB body is a LimitError at maxBytes 64 MiB',
    async (path) => {
      const r = await runChild('fetch', baseUrl + path);
      expect(r.error).toMatchObject({ name: 'LimitError', code: 'E_LIMIT' });
      expect(r.growthKiB).toBeLessThan(MAX_GROWTH_KIB);
    },
    60_000,
  );
});
