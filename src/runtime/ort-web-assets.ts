/**
 * The onnxruntime-web files a browser app must serve next to its bundle, and a start-up check
 * that they are really there. Kept apart from ort-web.ts so it imports no runtime (the CLI's
 * `copy-assets` and Node tests use it).
 *
 * Which files: the SDK imports `onnxruntime-web/webgpu` (see ort-web.ts), whose runtime is the
 * asyncify build. With `wasmPaths` set, ORT loads BOTH the Emscripten glue (.mjs, via import())
 * and the binary (.wasm) from that prefix; copying only the .wasm fails at session creation.
 * test/runtime/ort-web-assets.test.ts scans the installed ORT bundle so an upgrade that renames
 * them fails a test instead of a user's page.
 */
import { ProviderError } from '../core/errors.js';

/** File names under onnxruntime-web/dist/ that the SDK's browser entry loads from `wasmPaths`. */
export const ORT_WEB_ASSET_FILES: readonly string[] = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

export interface OrtAssetProblem {
  readonly file: string;
  readonly url: string;
  readonly reason: string;
}

type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string> },
) => Promise<{ ok: boolean; status: number; headers: { get(name: string): string | null }; body?: { cancel(): Promise<void> } | null }>;

/** The absolute URLs of the asset files under a `wasmPaths` prefix (relative prefixes resolve against `base`). */
export function ortAssetUrls(wasmPaths: string, base?: string): { file: string; url: string }[] {
  const prefix = wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`;
  return ORT_WEB_ASSET_FILES.map((file) => ({ file, url: new URL(prefix + file, base).href }));
}

async function probe(fetchImpl: FetchLike, url: string): Promise<{ status: number; type: string } | string> {
  try {
    let res = await fetchImpl(url, { method: 'HEAD' });
    // Some static servers do not answer HEAD: ask for one byte instead.
    if (res.status === 405 || res.status === 501) {
      res = await fetchImpl(url, { headers: { Range: 'bytes=0-0' } });
      await res.body?.cancel().catch(() => undefined);
    }
    return { status: res.status, type: (res.headers.get('content-type') ?? '').toLowerCase() };
  } catch (error) {
    return `request failed (${(error as Error).message})`;
  }
}

/**
 * Problems with the served files, [] when all are fine. A file counts as missing when the server
 * answers an error status, or answers text/html: single-page-app fallbacks (Vite's dev server
 * among them) return index.html with 200 for any unknown path, which ORT would then fail to
 * compile with an obscure "magic word" error.
 */
export async function findOrtAssetProblems(wasmPaths: string, options: { base?: string; fetch?: FetchLike } = {}): Promise<OrtAssetProblem[]> {
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const base = options.base ?? (globalThis as { location?: { href: string } }).location?.href;
  const results = await Promise.all(
    ortAssetUrls(wasmPaths, base).map(async ({ file, url }) => {
      const r = await probe(fetchImpl, url);
      if (typeof r === 'string') return { file, url, reason: r };
      if (r.status < 200 || r.status >= 300) return { file, url, reason: `HTTP ${r.status}` };
      if (r.type.startsWith('text/html')) return { file, url, reason: 'served as text/html (a page, not the file: probably a fallback for a missing path)' };
      // import() of the glue refuses a non-JavaScript MIME type in browsers.
      if (file.endsWith('.mjs') && r.type !== '' && !r.type.includes('javascript'))
        return { file, url, reason: `served as ${r.type}; browsers import modules only with a JavaScript MIME type` };
      return undefined;
    }),
  );
  return results.filter((p): p is OrtAssetProblem => p !== undefined);
}

/** Throws a ProviderError ('wasm') naming every missing or mis-served file. */
export async function checkOrtAssets(wasmPaths: string, options: { base?: string; fetch?: FetchLike } = {}): Promise<void> {
  const problems = await findOrtAssetProblems(wasmPaths, options);
  if (problems.length === 0) return;
  const list = problems.map((p) => `${p.file} (${p.reason})`).join('; ');
  throw new ProviderError(
    'wasm',
    `onnxruntime-web files missing under wasmPaths '${wasmPaths}': ${list}. Serve every file of ORT_WEB_ASSET_FILES from that folder (\`medinfer ` +
      `copy-assets <dir>\` copies them from node_modules/onnxruntime-web/dist).`,
    { wasmPaths, missing: problems.map((p) => p.file), problems },
  );
}
