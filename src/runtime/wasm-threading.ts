/**
 * Whether onnxruntime-web's wasm runs threaded, and if not, why - so a page that is not
 * cross-origin isolated is told so instead of silently running on one thread.
 *
 * onnxruntime-web (1.30) decides at its first session: threads need SharedArrayBuffer, which
 * browsers only give cross-origin-isolated pages (COOP: same-origin + COEP: require-corp). An
 * unset `env.wasm.numThreads` becomes 1 on a page that is not isolated, else
 * min(4, ceil(hardwareConcurrency / 2)); a count > 1 without SharedArrayBuffer is cut to 1 (with
 * only a console warning). After that first session `env.wasm.numThreads` holds the count used.
 *
 * medinfer does not leave the count to onnxruntime-web: unless the caller sets threads, it asks
 * for `defaultWasmThreads(hardwareConcurrency)` = min(4, floor(cores / 2)), at least 1. The wasm
 * pool's threads are extra workers beside the page's main thread (and the proxy worker when
 * used), synchronised through SharedArrayBuffer atomics: on 2 cores, 2 threads lost for the small
 * 2D models and for every model under load, and won on a quiet machine for the models with large
 * ops (bench/browser-models.mjs; ARCHITECTURE.md, "wasm threads"). So small machines default to 1
 * and a model entry states its own bounds: `inference.minWasmThreads` raises the count (never past
 * the cores), `inference.maxWasmThreads` lowers it - both only at the page's first session, since
 * onnxruntime-web has one thread pool per page (`modelPageThreads`).
 *
 * Pure: the environment comes in as arguments, so it is tested in Node.
 */

export interface WasmThreadingReport {
  /** True when wasm kernels run on more than one thread. */
  readonly threaded: boolean;
  /** Threads onnxruntime-web runs wasm with (1 when single-threaded). */
  readonly threads: number;
  /** What decided the count (always set, so single-threaded runs say why). */
  readonly reason: string;
}

export interface WasmThreadingFacts {
  /** The count onnxruntime-web uses (`env.wasm.numThreads` after its first session), if known. */
  readonly threads: number | undefined;
  /** The count the caller asked for (`numThreads` / `threads` option), if any. */
  readonly requested: number | undefined;
  /** `globalThis.crossOriginIsolated` (undefined outside browsers). */
  readonly crossOriginIsolated: boolean | undefined;
  /** Whether `SharedArrayBuffer` exists in this realm. */
  readonly sharedArrayBuffer: boolean;
  /** `navigator.hardwareConcurrency`, if known. */
  readonly hardwareConcurrency: number | undefined;
  /** The model entry's `inference.maxWasmThreads`, if any. */
  readonly modelMax?: number | undefined;
  /** The count a model's `maxWasmThreads` set at the page's first session, if one did. */
  readonly pageCap?: number | undefined;
  /** The model entry's `inference.minWasmThreads`, if any. */
  readonly modelMin?: number | undefined;
  /** The count a model's `minWasmThreads` set at the page's first session, if one did. */
  readonly pageFloor?: number | undefined;
}

/** Which of a model entry's bounds set the page's count (modelPageThreads). */
export interface ModelThreadChoice {
  readonly threads: number;
  readonly bound: 'minWasmThreads' | 'maxWasmThreads';
}

/**
 * The count a model entry's `inference.minWasmThreads` / `maxWasmThreads` give the page's first
 * session when the caller set none, or undefined to keep `current` (the default). The floor is
 * never above the cores (`hardwareConcurrency`): more threads than cores only wait on each other.
 * Without wasm threads (`canThread` false) there is nothing to raise.
 */
export function modelPageThreads(
  current: number,
  bounds: { readonly min?: number | undefined; readonly max?: number | undefined },
  hardwareConcurrency: number | undefined,
  canThread: boolean,
): ModelThreadChoice | undefined {
  let threads = current;
  if (bounds.min !== undefined && canThread) threads = Math.max(threads, Math.min(bounds.min, coreCount(hardwareConcurrency)));
  // The cap wins over the floor (a manifest refuses min > max; options passed in code may not).
  if (bounds.max !== undefined) threads = Math.min(threads, bounds.max);
  if (threads === current) return undefined;
  return { threads, bound: threads > current ? 'minWasmThreads' : 'maxWasmThreads' };
}

/** medinfer's wasm thread count when the caller sets none: half the cores (rounded down), 1 to 4. */
export function defaultWasmThreads(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, Math.floor(coreCount(hardwareConcurrency) / 2)));
}

/** `navigator.hardwareConcurrency` as a whole count of cores, 1 when unknown or not a count. */
function coreCount(hardwareConcurrency: number | undefined): number {
  return hardwareConcurrency !== undefined && Number.isFinite(hardwareConcurrency) && hardwareConcurrency >= 1 ? Math.floor(hardwareConcurrency) : 1;
}

/** Whether onnxruntime-web can run wasm threads here: SharedArrayBuffer, on a page not known to lack cross-origin isolation. */
export function canRunWasmThreads(f: Pick<WasmThreadingFacts, 'sharedArrayBuffer' | 'crossOriginIsolated'>): boolean {
  return f.sharedArrayBuffer && f.crossOriginIsolated !== false;
}

const ISOLATION_HINT = 'serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';

export function describeWasmThreading(f: WasmThreadingFacts): WasmThreadingReport {
  const report = describeCount(f);
  const fixedBy = f.requested !== undefined ? 'the caller asked for the count' : "the count was fixed by this page's first onnxruntime-web session";
  const max = f.modelMax;
  // The model would run faster on fewer threads, but the page's count is no longer the SDK's to set.
  if (max !== undefined && report.threads > max)
    return { ...report, reason: `${report.reason}; this model's entry asks for at most ${max} (inference.maxWasmThreads), but ${fixedBy}` };
  // Or on more: said only where more could run (threads available, cores to run them on).
  const reachable = f.modelMin === undefined ? undefined : modelPageThreads(report.threads, { min: f.modelMin }, f.hardwareConcurrency, canRunWasmThreads(f));
  if (reachable === undefined) return report;
  return { ...report, reason: `${report.reason}; this model's entry asks for at least ${f.modelMin} (inference.minWasmThreads), but ${fixedBy}` };
}

function describeCount(f: WasmThreadingFacts): WasmThreadingReport {
  const requested = f.requested !== undefined && Number.isInteger(f.requested) && f.requested > 0 ? f.requested : undefined;
  const canThread = canRunWasmThreads(f);
  // Before the first session the count is not settled yet: predict it the way onnxruntime-web will.
  const threads = f.threads !== undefined && f.threads > 0 ? f.threads : !canThread ? 1 : (requested ?? defaultWasmThreads(f.hardwareConcurrency));
  // onnxruntime-web reads numThreads once per page, at its first session: a later request differs.
  const settled = `${requested} requested, but the count was fixed by this page's first onnxruntime-web session`;
  const byDefault = `medinfer's default, min(4, floor(hardwareConcurrency ${f.hardwareConcurrency ?? '?'} / 2))`;
  const capped = f.pageCap !== undefined && requested === undefined && threads === f.pageCap;
  const byModel =
    `a model entry's inference.maxWasmThreads (${f.pageCap}), applied at this page's first session; ${byDefault} would be ` +
    `${defaultWasmThreads(f.hardwareConcurrency)}`;
  const raised = f.pageFloor !== undefined && requested === undefined && threads === f.pageFloor;
  const byModelFloor =
    `a model entry's inference.minWasmThreads (${f.pageFloor}), applied at this page's first session: its ops are large enough for ` +
    `threads to pay; ${byDefault} would be ${defaultWasmThreads(f.hardwareConcurrency)}`;
  if (threads > 1) {
    const why = requested === undefined ? (capped ? byModel : raised ? byModelFloor : byDefault) : requested === threads ? 'as requested' : settled;
    return { threaded: true, threads, reason: `${threads} wasm threads (${why}); the page is cross-origin isolated` };
  }
  let reason: string;
  if (f.crossOriginIsolated === false) {
    reason = `single-threaded: the page is not cross-origin isolated, so SharedArrayBuffer and wasm threads are unavailable (${ISOLATION_HINT})`;
  } else if (!f.sharedArrayBuffer) {
    reason = `single-threaded: SharedArrayBuffer is unavailable in this context (${ISOLATION_HINT})`;
  } else if (requested === 1) {
    reason = 'single-threaded: 1 thread was requested';
  } else if (requested !== undefined) {
    reason = `single-threaded: ${settled}`;
  } else if (capped) {
    reason = `single-threaded: ${byModel} (its ops are too small for thread synchronisation to pay)`;
  } else {
    reason =
      `single-threaded: ${byDefault} = 1 (on 2 cores, 2 wasm threads measured slower than 1 for the small 2D models and for every model ` +
      `under load; entries measured faster on 2 say so with inference.minWasmThreads; set threads to override)`;
  }
  return { threaded: false, threads: 1, reason };
}
