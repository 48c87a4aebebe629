/**
 * A model session: loads bytes (path, URL or bytes), verifies sha256 before anything runs,
 * resolves the execution provider with a report, checks the model's I/O against the manifest,
 * and checks outputs for the silent-failure modes of GPU providers (all zeros, NaN/Inf).
 */
import { IntegrityError, ModelFileError, ProviderError, describeError, isMedinferError } from '../core/errors.js';
import type { BackendSession, BackendSessionOptions, RuntimeBackend } from './backend.js';
import { sha256Hex } from './checksum.js';
import type { IoSpec } from '../manifest/io-spec.js';
import { checkFeeds, checkSessionIo } from './io-check.js';
import { planProviders, type DroppedProvider, type ExecutionProvider, type ProviderChoice, type ProviderReport } from './providers.js';
import type { TensorMap } from '../core/tensor.js';

export type ModelSource = { path: string } | { url: string } | { bytes: Uint8Array };

export interface ModelSessionOptions extends BackendSessionOptions {
  readonly modelId?: string;
  /** Expected sha256 (hex); a mismatch throws IntegrityError before a session is created. */
  readonly sha256?: string;
  /** Manifest I/O spec; checked against the model at creation and against feeds at run. */
  readonly io?: IoSpec;
  readonly provider?: ProviderChoice;
  /** Allow a single requested provider to fall back to the platform's order (reported). */
  readonly allowFallback?: boolean;
  /**
   * Check outputs for NaN/Inf and all-zero float outputs (the silent failure modes of GPU EPs).
   * Default: on for webgpu / cuda, off for cpu and wasm, whose outputs the postprocessing checks
   * for NaN anyway (a full extra pass per sliding window otherwise). Pass true to force it.
   */
  readonly checkOutputs?: boolean;
  readonly onProgress?: (loaded: number, total?: number) => void;
}

export interface ModelSession {
  readonly modelId: string;
  readonly sha256: string;
  readonly provider: ProviderReport;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: TensorMap): Promise<TensorMap>;
  dispose(): Promise<void>;
  readonly disposed: boolean;
}

function sourceName(source: ModelSource): string {
  if ('path' in source) return source.path;
  if ('url' in source) return source.url;
  return '<bytes>';
}

async function loadBytes(backend: RuntimeBackend, source: ModelSource, options: ModelSessionOptions): Promise<Uint8Array> {
  if ('bytes' in source) return source.bytes;
  const location = 'path' in source ? source.path : source.url;
  try {
    return await backend.loadModelBytes(location, options.onProgress);
  } catch (error) {
    if (isMedinferError(error)) throw error;
    throw new ModelFileError(`cannot read model file ${location}: ${describeError(error)}`, { file: location, modelId: options.modelId }, { cause: error });
  }
}

export async function createModelSession(backend: RuntimeBackend, source: ModelSource, options: ModelSessionOptions = {}): Promise<ModelSession> {
  const name = sourceName(source);
  const modelId = options.modelId ?? name;
  const bytes = await loadBytes(backend, source, options);
  const digest = await sha256Hex(bytes);
  if (options.sha256 !== undefined && digest !== options.sha256.toLowerCase()) {
    throw new IntegrityError(`model '${modelId}': sha256 of ${name} is ${digest}, manifest expects ${options.sha256}; refusing to run it`, {
      file: name,
      modelId,
      expected: options.sha256,
      actual: digest,
    });
  }
  const choice = options.provider ?? 'auto';
  const plan = planProviders(choice, backend.autoOrder, options.allowFallback ?? false);
  const dropped: DroppedProvider[] = [];
  for (const provider of plan.candidates) {
    const reason = await backend.unavailableReason(provider, { auto: choice === 'auto' });
    if (reason !== null) {
      dropped.push({ provider, reason });
      if (!plan.fallback) break;
      continue;
    }
    let session: BackendSession;
    try {
      session = await backend.createSession(bytes, provider, { ...pickBackendOptions(options), modelId });
    } catch (error) {
      dropped.push({ provider, reason: describeError(error) });
      if (!plan.fallback) break;
      continue;
    }
    if (options.io) {
      try {
        checkSessionIo(session, options.io, modelId);
      } catch (error) {
        await session.release();
        throw error;
      }
    }
    const wasm = backend.wasmThreading?.(pickBackendOptions(options));
    const report: ProviderReport = {
      requested: plan.candidates,
      used: provider,
      dropped,
      ...(session.fallbacks ? { fallbacks: session.fallbacks } : {}),
      ...(wasm ? { wasm } : {}),
    };
    return wrapSession(session, {
      modelId,
      sha256: digest,
      report,
      io: options.io,
      checkOutputs: options.checkOutputs ?? (report.used === 'webgpu' || report.used === 'cuda'),
    });
  }
  const last = dropped[dropped.length - 1];
  const provider = last?.provider ?? 'cpu';
  const summary = dropped.map((d) => `${d.provider}: ${d.reason}`).join('; ');
  throw new ProviderError(provider, `model '${modelId}': no execution provider could run it (${summary})`, { modelId, requested: plan.candidates, dropped });
}

function pickBackendOptions(o: ModelSessionOptions): BackendSessionOptions {
  const out: {
    threads?: number;
    graphOptimization?: NonNullable<BackendSessionOptions['graphOptimization']>;
    memoryPattern?: boolean;
    memoryArena?: boolean;
    maxWasmThreads?: number;
    minWasmThreads?: number;
  } = {};
  if (o.threads !== undefined) out.threads = o.threads;
  if (o.graphOptimization !== undefined) out.graphOptimization = o.graphOptimization;
  if (o.memoryPattern !== undefined) out.memoryPattern = o.memoryPattern;
  if (o.memoryArena !== undefined) out.memoryArena = o.memoryArena;
  if (o.maxWasmThreads !== undefined) out.maxWasmThreads = o.maxWasmThreads;
  if (o.minWasmThreads !== undefined) out.minWasmThreads = o.minWasmThreads;
  return out;
}

interface WrapInfo {
  modelId: string;
  sha256: string;
  report: ProviderReport;
  io: IoSpec | undefined;
  checkOutputs: boolean;
}

function wrapSession(session: BackendSession, info: WrapInfo): ModelSession {
  let disposed = false;
  const gpu = info.report.used === 'webgpu' || info.report.used === 'cuda';
  return {
    modelId: info.modelId,
    sha256: info.sha256,
    provider: info.report,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    get disposed() {
      return disposed;
    },
    async run(feeds: TensorMap): Promise<TensorMap> {
      if (disposed) throw new ProviderError(info.report.used, `model '${info.modelId}': session was disposed`, { modelId: info.modelId });
      if (info.io) checkFeeds(feeds, info.io, info.modelId);
      let outputs: TensorMap;
      try {
        outputs = await session.run(feeds);
      } catch (error) {
        if (isMedinferError(error)) throw error;
        throw new ProviderError(
          info.report.used,
          `model '${info.modelId}' failed on ${info.report.used}: ${describeError(error)}`,
          { modelId: info.modelId },
          { cause: error },
        );
      }
      if (info.checkOutputs) checkOutputValues(outputs, info, gpu);
      return outputs;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

/** GPU EPs can fail silently (zeros) or numerically (NaN): report it instead of passing it on. */
export function checkOutputValues(outputs: TensorMap, info: { modelId: string; report: { used: ExecutionProvider } }, checkZeros: boolean): void {
  for (const [name, t] of Object.entries(outputs)) {
    if (t.type !== 'float32' && t.type !== 'float64') continue;
    const data = t.data as Float32Array | Float64Array;
    const scan = scanValues(data);
    if (scan.firstNonFinite >= 0) {
      const i = scan.firstNonFinite;
      throw new ProviderError(
        info.report.used,
        `model '${info.modelId}': output '${name}' has a non-finite value (${data[i]}) at index ${i} on provider ${info.report.used}`,
        { modelId: info.modelId, output: name, index: i },
      );
    }
    if (checkZeros && scan.allZero && data.length > 1) {
      throw new ProviderError(
        info.report.used,
        `model '${info.modelId}': output '${name}' is all zeros on provider ${info.report.used}, which signals a silent provider failure; compare ` +
          `with provider 'cpu'`,
        { modelId: info.modelId, output: name },
      );
    }
  }
}

/**
 * One cheap pass per output (it runs after every window of a sliding-window segmentation):
 * x * 0 is NaN exactly for NaN and +-Infinity, so a running sum of x * 0 flags any non-finite
 * value without a branch per element; the index is looked up only when there is one.
 */
function scanValues(data: Float32Array | Float64Array): { firstNonFinite: number; allZero: boolean } {
  let poison = 0;
  let nonZero = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    poison += v * 0;
    nonZero = nonZero || v !== 0;
  }
  if (poison === 0) return { firstNonFinite: -1, allZero: !nonZero };
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return { firstNonFinite: i, allZero: false };
  return { firstNonFinite: -1, allZero: !nonZero };
}
