/**
 * The onnxruntime-web files a browser app must serve: the list matches what the installed ORT
 * build loads, `medinfer copy-assets` copies them, and the start-up check (run here in Node
 * against a loopback static server) names every missing or mis-served file.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli-main.js';
import { ortWebDistFolder } from '../../src/cli/commands/copy-assets.js';
import { checkOrtAssets, findOrtAssetProblems, ORT_WEB_ASSET_FILES, ortAssetUrls } from '../../src/runtime/ort-web-assets.js';
import { isMedinferError } from '../../src/core/errors.js';

const work = mkdtempSync(join(tmpdir(), 'medinfer-assets-'));
const assets = join(work, 'public', 'ort');
/** Behaviour of the loopback server per request path, set by each test. */
let mode: { noHead?: boolean; spaFallback?: boolean; mjsType?: string } = {};
let server: Server;
let base: string;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method === 'HEAD' && mode.noHead) return void res.writeHead(405).end();
    const name = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/ort\//, '');
    const path = join(assets, name);
    let exists = false;
    try {
      exists = !name.includes('/') && statSync(path).isFile();
    } catch {
      /* missing */
    }
    if (!exists) {
      if (mode.spaFallback) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>app</p>');
      return void res.writeHead(404).end();
    }
    const ext = name.slice(name.lastIndexOf('.'));
    const type = ext === '.mjs' && mode.mjsType ? mode.mjsType : (TYPES[ext] ?? 'application/octet-stream');
    res.writeHead(200, { 'content-type': type, 'content-length': statSync(path).size });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(path).subarray(0, 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runMain(argv, { cwd: work });

describe('onnxruntime-web assets', () => {
  it('the list is exactly what the installed onnxruntime-web/webgpu build loads', () => {
    const dist = ortWebDistFolder();
    // The bundle the SDK imports names its glue and binary; both must be in our list, and ours in dist.
    const bundle = readFileSync(join(dist, 'ort.webgpu.bundle.min.mjs'), 'latin1');
    const referenced = [...new Set(bundle.match(/ort-wasm[\w.-]*\.(?:wasm|mjs)/g) ?? [])].sort();
    expect(referenced).toEqual([...ORT_WEB_ASSET_FILES].sort());
    for (const f of ORT_WEB_ASSET_FILES) expect(readdirSync(dist)).toContain(f);
  });

  it('copy-assets copies them (byte-identical) and prints each path; without a folder it is a usage error', async () => {
    const r = await cli('copy-assets', 'public/ort');
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(ORT_WEB_ASSET_FILES.map((f) => join('public/ort', f)));
    for (const f of ORT_WEB_ASSET_FILES) expect(statSync(join(assets, f)).size).toBe(statSync(join(ortWebDistFolder(), f)).size);
    const bad = await cli('copy-assets');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/E_USAGE: copy-assets: one target folder expected/);
  });

  it('resolves relative wasmPaths against the page', () => {
    expect(ortAssetUrls('ort', 'https://host/app/index.html').map((u) => u.url)).toEqual(ORT_WEB_ASSET_FILES.map((f) => `https://host/app/ort/${f}`));
    expect(ortAssetUrls('/static/ort/', 'https://host/app/').map((u) => u.url)[0]).toBe(`https://host/static/ort/${ORT_WEB_ASSET_FILES[0]}`);
  });

  it('the start-up check passes when all are served, also from servers without HEAD', async () => {
    mode = {};
    await expect(checkOrtAssets('/ort/', { base })).resolves.toBeUndefined();
    mode = { noHead: true };
    await expect(checkOrtAssets(`${base}ort`)).resolves.toBeUndefined();
  });

  it('names every missing file (404, SPA fallback page, wrong MIME type) in one typed error', async () => {
    rmSync(join(assets, 'ort-wasm-simd-threaded.asyncify.wasm'));
    mode = {};
    const error = await checkOrtAssets('/ort/', { base }).catch((e: unknown) => e);
    expect(isMedinferError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_PROVIDER', provider: 'wasm', details: { missing: ['ort-wasm-simd-threaded.asyncify.wasm'] } });
    expect((error as Error).message).toMatch(/asyncify\.wasm \(HTTP 404\).*copy-assets/);
    mode = { spaFallback: true };
    expect((await findOrtAssetProblems('/ort/', { base })).map((p) => [p.file, p.reason.slice(0, 19)])).toEqual([
      ['ort-wasm-simd-threaded.asyncify.wasm', 'served as text/html'],
    ]);
    rmSync(join(assets, 'ort-wasm-simd-threaded.asyncify.mjs'));
    mode = {};
    const both = await checkOrtAssets('/ort/', { base }).catch((e: unknown) => e as Error);
    expect((both as { details: { missing: string[] } }).details.missing).toEqual([...ORT_WEB_ASSET_FILES]);
    const again = await cli('copy-assets', 'public/ort');
    expect(again.code).toBe(0);
    mode = { mjsType: 'application/octet-stream' };
    expect((await findOrtAssetProblems('/ort/', { base })).map((p) => p.reason)).toEqual([expect.stringMatching(/JavaScript MIME type/)]);
  });
});
