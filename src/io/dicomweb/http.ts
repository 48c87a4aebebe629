/**
 * The one place DICOMweb requests go out: auth headers, per-attempt timeout, bounded retries with
 * exponential backoff, typed errors. Isomorphic: only fetch, AbortSignal, TextEncoder.
 * - Retried: network errors (fetch rejects), timeouts, and HTTP 500 / 502 / 503 / 504 / 429
 *   (transient by definition); never 4xx or 501, never a caller's own abort.
 * - The timeout covers one attempt from sending to the last byte of the body the caller reads
 *   inside `attempt` (a stalled body stream is a timeout too). A second, shorter idle timeout
 *   ends an attempt during which no byte arrived for `idleTimeoutMs` (a server that stalls
 *   mid-body is caught in a minute, not after the whole-answer timeout of a large series).
 * - JSON answers (QIDO-RS, STOW-RS) are read with `readBodyText`, bounded in bytes: a huge or
 *   endless answer is a LimitError before the memory is spent.
 * - Errors name the method and a *safe* URL: no user:password@, no query string (QIDO queries
 *   can carry patient attributes such as PatientID) - and never the auth header or a token.
 */
import { HttpError, LimitError, NetworkError, UsageError, isMedinferError } from '../../core/errors.js';

export type DicomWebAuth = { readonly kind: 'basic'; readonly user: string; readonly password: string } | { readonly kind: 'bearer'; readonly token: string };

export interface HttpOptions {
  readonly auth?: DicomWebAuth;
  /** Per-attempt timeout, ms (default 300 000: a large series arrives in one response). */
  readonly timeoutMs?: number;
  /** An attempt during which no byte arrives for this long fails (ms, default 60 000). */
  readonly idleTimeoutMs?: number;
  /** Largest JSON answer (QIDO-RS, STOW-RS), bytes (default 64 MiB: ~100 000 QIDO results). */
  readonly maxJsonBytes?: number;
  /** Retries after the first attempt (default 3). */
  readonly retries?: number;
  /** First backoff, ms; doubled each retry with +-25 % jitter, capped at 30 s (default 250). */
  readonly retryBaseMs?: number;
  /** The caller's own cancellation (not retried). */
  readonly signal?: AbortSignal;
  /** fetch implementation (default globalThis.fetch), e.g. one with a proxy or custom agent. */
  readonly fetch?: typeof fetch;
  /** Extra request headers (e.g. an API key some gateways want). */
  readonly headers?: Readonly<Record<string, string>>;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** RFC 4648 base64 of UTF-8 text (btoa only takes Latin-1; passwords may not be). */
function base64Utf8(text: string): string {
  const b = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + (i + 1 < b.length ? BASE64[(n >> 6) & 63]! : '=') + (i + 2 < b.length ? BASE64[n & 63]! : '=');
  }
  return out;
}

export function authHeader(auth: DicomWebAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if (auth.kind === 'basic') return { authorization: `Basic ${base64Utf8(`${auth.user}:${auth.password}`)}` };
  return { authorization: `Bearer ${auth.token}` };
}

/** URL for messages: no credentials, no query, no fragment. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Splits a base URL into the URL fetch can use and the basic credentials it carried
 * (`https://user:pass@host/dicom-web`): fetch refuses URLs with credentials.
 */
export function splitBaseUrl(base: string): { url: string; auth?: DicomWebAuth } {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new UsageError(`DICOMweb URL is not a valid absolute URL: ${safeUrl(base)}`, { field: 'url' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`DICOMweb URL must be http or https, got ${u.protocol}`, { field: 'url' });
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const url = u.toString().replace(/\/+$/, '');
  return user ? { url, auth: { kind: 'basic', user, password } } : { url };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

export const DEFAULT_MAX_JSON_BYTES = 64 * 2 ** 20;

/**
 * The whole body as text, refused with a LimitError once it passes `maxBytes` (declared by
 * Content-Length or counted as it arrives), so a huge or endless answer costs at most `maxBytes`.
 */
export async function readBodyText(res: Response, maxBytes: number, where: string): Promise<string> {
  if (!res.body) return '';
  const tooLarge = () => new LimitError(`${where}: answer over ${maxBytes} bytes`, { file: where, limit: 'maxJsonBytes', max: maxBytes });
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * Aborts when `touch` has not been called for `ms`; `fired` tells a stall from other aborts.
 * Armed at once for GET; for POST only from the response headers on, as a PACS may think for a
 * while about a large STOW-RS upload before it answers (the whole-attempt timeout covers that).
 */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;
  constructor(
    private readonly ms: number,
    armNow: boolean,
  ) {
    if (armNow) this.touch();
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  readonly touch = (): void => {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error('stalled'));
    }, this.ms);
  };
  stop(): void {
    clearTimeout(this.timer);
  }
}

/** The response with a body that touches `idle` on every chunk (status and headers kept). */
function watchBody(res: Response, idle: IdleTimer): Response {
  if (!res.body) return res;
  const body = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => (idle.touch(), c.enqueue(chunk)) }));
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** A stall seen by the idle timer: retried like a network error. */
class Stalled extends Error {}

/** A transient HTTP status seen by `attempt`: retried like a network error. */
class RetryableStatus extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * Sends `spec` and hands the response to `attempt` (which reads the body under the same
 * timeout); retries transient failures. Non-2xx answers become HttpError before `attempt` runs,
 * except statuses listed in `accept` (e.g. 409 for STOW-RS, whose body explains the failure).
 */
export async function requestWithRetry<T>(
  spec: RequestSpec,
  options: HttpOptions,
  attempt: (res: Response, signal: AbortSignal) => Promise<T>,
  accept: readonly number[] = [],
): Promise<T> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const retries = options.retries ?? 3;
  const base = options.retryBaseMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const where = `${spec.method} ${safeUrl(spec.url)}`;
  const headers = { ...options.headers, ...spec.headers, ...authHeader(options.auth) };
  for (let n = 0; ; n++) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const idle = new IdleTimer(idleMs, spec.method === 'GET');
    const signal = AbortSignal.any([...(options.signal ? [options.signal] : []), timeout, idle.signal]);
    let failure: unknown;
    let watched: Response | undefined;
    try {
      const init: RequestInit = { method: spec.method, headers, signal, redirect: 'follow' };
      if (spec.body !== undefined) init.body = spec.body as unknown as BodyInit;
      const res = await doFetch(spec.url, init);
      idle.touch();
      if (!res.ok && !accept.includes(res.status)) {
        if (RETRY_STATUS.has(res.status)) throw new RetryableStatus(res);
        await res.body?.cancel().catch(() => undefined);
        throw new HttpError(safeUrl(spec.url), res.status, `${where}: HTTP ${res.status} ${res.statusText}`.trim(), { method: spec.method });
      }
      watched = watchBody(res, idle);
      return await attempt(watched, signal);
    } catch (error) {
      // A body left half read (a limit, a malformed part) is cancelled: the connection goes.
      if (watched?.body) await watched.body.cancel().catch(() => undefined);
      if (isMedinferError(error) && !(error instanceof NetworkError)) throw error;
      if (options.signal?.aborted)
        throw new NetworkError(safeUrl(spec.url), `${where}: aborted by the caller`, { method: spec.method, cause: 'aborted' }, { cause: error });
      failure = idle.fired ? new Stalled() : error;
    } finally {
      idle.stop();
    }
    if (n >= retries) throw finalError(failure, where, spec, timeoutMs, idleMs, n + 1);
    if (failure instanceof RetryableStatus) await failure.response.body?.cancel().catch(() => undefined);
    const delay = Math.min(30_000, base * 2 ** n) * (0.75 + Math.random() * 0.5);
    await sleep(delay, options.signal).catch(() => undefined);
    if (options.signal?.aborted) throw new NetworkError(safeUrl(spec.url), `${where}: aborted by the caller`, { method: spec.method, cause: 'aborted' });
  }
}

function finalError(failure: unknown, where: string, spec: RequestSpec, timeoutMs: number, idleMs: number, attempts: number): Error {
  const url = safeUrl(spec.url);
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (failure instanceof RetryableStatus) {
    const { status, statusText } = failure.response;
    return new HttpError(url, status, `${where}: HTTP ${status} ${statusText}${tries}`.replace(/ +\(/, ' ('), { method: spec.method, attempts });
  }
  if (failure instanceof NetworkError) return failure;
  if (failure instanceof Stalled)
    return new NetworkError(url, `${where}: no byte received for ${idleMs} ms (server stalled)${tries}`, { method: spec.method, cause: 'stalled', attempts });
  const name = (failure as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError')
    return new NetworkError(url, `${where}: no complete answer within ${timeoutMs} ms${tries}`, { method: spec.method, cause: 'timeout', attempts });
  // fetch's TypeError says "fetch failed"; its cause has the system code (ECONNREFUSED ...).
  // (The request URL never held credentials, so undici's cause text cannot carry any.)
  const cause = (failure as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code;
  const reason = code ?? (typeof cause?.message === 'string' ? cause.message.slice(0, 80) : undefined);
  return new NetworkError(url, `${where}: network error${reason ? ` (${reason})` : ''}${tries}`, {
    method: spec.method,
    cause: 'network',
    attempts,
    ...(code ? { errno: code } : {}),
  });
}
