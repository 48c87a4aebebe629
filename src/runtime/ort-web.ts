/**
 * Browser backend over onnxruntime-web. Uses the native WebGPU build (`onnxruntime-web/webgpu`),
 * which also runs wasm: the default JSEP import was measured to return all-zero logits for
 * DenseNet-121 on WebGPU (see the README), so it is never used.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { OrtSessionIo, type BackendSession, type BackendSessionOptions, type ProviderProbe, type RuntimeBackend } from './backend.js';
import { fetchWithProgress } from './fetch-bytes.js';
import type { DroppedProvider, ExecutionProvider } from './providers.js';
import type { ModelTensor, TensorMap } from '../core/tensor.js';
import { canRunWasmThreads, defaultWasmThreads, describeWasmThreading, modelPageThreads, type WasmThreadingFacts } from './wasm-threading.js';
import { softwareAdapterReason, type AdapterLike } from './webgpu-adapter.js';
import { checkOrtAssets } from './ort-web-assets.js';
import { readOnnxGraph, type OnnxGraph } from './onnx-graph.js';
import type { RunMemoryEstimate } from './memory-estimate.js';
import { isWasmOutOfMemory, refuseOversizedWasmRun, wasmOutOfMemoryError, wasmRunEstimate } from './wasm-memory.js';

export { checkOrtAssets, findOrtAssetProblems, ortAssetUrls, ORT_WEB_ASSET_FILES, type OrtAssetProblem } from './ort-web-assets.js';

export interface WebBackendOptions {
  /**
   * Override of the WebGPU adapter's maxStorageBufferBindingSize (bytes), e.g. to test the
   * large-input path; default: the adapter's own limit.
   */
  readonly maxStorageBufferBindingSize?: number;
  /**
   * Where ORT's .wasm and .mjs files (ORT_WEB_ASSET_FILES) are served; bundlers do not copy them.
   * When set, the first session checks that they are all there and names any that is missing.
   */
  readonly wasmPaths?: string;
  /** Skip that check (e.g. an app that verified its deployment itself). Default false. */
  readonly skipAssetCheck?: boolean;
  /** wasm threads; > 1 needs a cross-origin-isolated page (COOP/COEP headers). */
  readonly numThreads?: number;
}

interface GpuAdapterLike extends AdapterLike {
  readonly limits?: { maxStorageBufferBindingSize?: number };
}

interface GpuNavigator {
  gpu?: { requestAdapter(options?: { powerPreference?: string; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null> };
  hardwareConcurrency?: number;
}

/**
 * Whether an onnxruntime-web session was created in this realm: ORT reads `env.wasm.numThreads`
 * once, when its first session initialises the wasm module (one global thread pool per page,
 * onnxruntime/wasm/api.cc OrtInit); after that a different count changes nothing.
 */
let ortInitialised = false;
/** Set when a model's inference.maxWasmThreads lowered the count at the page's first session. */
let pageCap: number | undefined;
/** Set when a model's inference.minWasmThreads raised the count at the page's first session. */
let pageFloor: number | undefined;

function tensorBytes(t: { dims: readonly number[]; type: string }): number {
  const per = t.type === 'float16' ? 2 : t.type === 'int64' || t.type === 'float64' ? 8 : t.type === 'uint8' || t.type === 'int8' || t.type === 'bool' ? 1 : 4;
  return t.dims.reduce((a, b) => a * b, per);
}

/** What a session knows of its model for the wasm memory check (wasm-memory.ts). */
interface ModelFacts {
  readonly modelId: string;
  readonly bytes: Uint8Array;
  /** Parsed on the first wasm run; null when the file is not readable as a graph here. */
  graph?: OnnxGraph | null;
  lastEstimate?: { readonly key: string; readonly estimate: RunMemoryEstimate | undefined };
}

function graphOf(m: ModelFacts): OnnxGraph | undefined {
  if (m.graph === undefined) {
    try {
      m.graph = readOnnxGraph(m.bytes, m.modelId);
    } catch {
      m.graph = null; // ORT loaded it, so it is a model; without a graph there is just no estimate
    }
  }
  return m.graph ?? undefined;
}

/** The run's estimate, kept for the last feed dims seen: a sliding window's runs all share them. */
function estimateFor(m: ModelFacts, feeds: TensorMap): RunMemoryEstimate | undefined {
  const key = Object.entries(feeds)
    .map(([name, t]) => `${name}:${t.dims.join('x')}`)
    .join(',');
  if (m.lastEstimate?.key !== key) m.lastEstimate = { key, estimate: wasmRunEstimate(graphOf(m), feeds) };
  return m.lastEstimate.estimate;
}

/**
 * On WebGPU, an input larger than the adapter's maxStorageBufferBindingSize cannot be bound;
 * such runs go to a wasm session of the same model, and the reason is recorded (never a crash).
 * Every wasm run is first checked against the wasm32 heap (wasm-memory.ts).
 */
class WebSession extends OrtSessionIo<ort.InferenceSession> implements BackendSession {
  readonly fallbacks: DroppedProvider[] = [];
  private wasm: Promise<ort.InferenceSession> | undefined;

  constructor(
    session: ort.InferenceSession,
    private readonly model: ModelFacts & { readonly provider: ExecutionProvider },
    private readonly fallback?: { model: Uint8Array; limit: number; options: ort.InferenceSession.SessionOptions },
  ) {
    super(session);
  }

  async run(feeds: TensorMap): Promise<TensorMap> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
    let target = this.session;
    const biggest = this.fallback ? Math.max(...Object.values(feeds).map(tensorBytes)) : 0;
    const toWasm = this.fallback !== undefined && biggest > this.fallback.limit;
    const onWasm = this.model.provider === 'wasm' || toWasm;
    // Estimated before ORT sees the feeds (and before a wasm fallback session is made): a run past
    // the wasm32 heap is refused, not started.
    const estimate = onWasm ? estimateFor(this.model, feeds) : undefined;
    if (onWasm) refuseOversizedWasmRun(this.model.modelId, this.model.bytes.byteLength, estimate, feeds);
    if (toWasm && this.fallback) {
      this.wasm ??= ort.InferenceSession.create(this.fallback.model, { ...this.fallback.options, executionProviders: ['wasm'] });
      target = await this.wasm;
      this.fallbacks.push({
        provider: 'webgpu',
        reason: `an input of ${biggest} bytes exceeds the WebGPU adapter's maxStorageBufferBindingSize (${this.fallback.limit} bytes); this run used wasm`,
      });
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await target.run(ortFeeds);
    } catch (error) {
      if (onWasm && isWasmOutOfMemory(error)) throw wasmOutOfMemoryError(this.model.modelId, this.model.bytes.byteLength, estimate, feeds, error);
      throw error;
    }
    const result: TensorMap = {};
    for (const [name, t] of Object.entries(out)) {
      // GPU-resident outputs are downloaded so results are plain typed arrays like in Node.
      const data = t.location === 'cpu' || t.location === undefined ? t.data : await t.getData(true);
      result[name] = { type: t.type as ModelTensor['type'], dims: [...t.dims], data: data as ModelTensor['data'] };
    }
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
    if (this.wasm) await (await this.wasm).release();
  }
}

/** What this realm says about wasm threads: isolation, SharedArrayBuffer, cores. */
function pageFacts(): Pick<WasmThreadingFacts, 'crossOriginIsolated' | 'sharedArrayBuffer' | 'hardwareConcurrency'> {
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    hardwareConcurrency: (globalThis.navigator as GpuNavigator | undefined)?.hardwareConcurrency,
  };
}

export function createWebBackend(options: WebBackendOptions = {}): RuntimeBackend {
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
  else if (!(typeof ort.env.wasm.numThreads === 'number' && ort.env.wasm.numThreads > 0)) {
    // Not onnxruntime-web's min(4, ceil(cores / 2)): that gives 2 threads on 3 cores, and 2 threads
    // were slower than 1 on a 2-core machine (see defaultWasmThreads). A page that is
    // not cross-origin isolated runs 1 thread whatever is asked; asking 1 avoids ORT's warning.
    const page = pageFacts();
    ort.env.wasm.numThreads = canRunWasmThreads(page) ? defaultWasmThreads(page.hardwareConcurrency) : 1;
  }
  let bindingLimit = options.maxStorageBufferBindingSize ?? 128 * 1024 * 1024;
  let requestedThreads = options.numThreads;
  // Once per backend, before the first session: ORT's own error for a missing file is an opaque
  // "failed to fetch dynamically imported module" or a wasm "magic word" failure.
  let assetCheck: Promise<void> | undefined;
  const wasmPaths = options.wasmPaths;
  const ensureAssets = () =>
    wasmPaths === undefined || options.skipAssetCheck
      ? Promise.resolve()
      : (assetCheck ??= checkOrtAssets(wasmPaths).catch((error: unknown) => {
          assetCheck = undefined; // a later session tries again (the files may have been deployed since)
          throw error;
        }));
  return {
    platform: 'browser',
    autoOrder: ['webgpu', 'wasm'],
    async unavailableReason(provider: ExecutionProvider, probe?: ProviderProbe): Promise<string | null> {
      if (provider === 'wasm') return null;
      if (provider === 'cpu') return "'cpu' is the Node provider; in browsers use 'wasm'";
      if (provider === 'cuda') return 'CUDA is not available in browsers';
      const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
      if (!gpu) return 'navigator.gpu is missing: this browser has WebGPU disabled or unsupported';
      // The same request options onnxruntime-web uses for its own adapter, so the adapter judged
      // here is the one the session gets.
      const { powerPreference, forceFallbackAdapter } = ort.env.webgpu;
      const adapter = await gpu.requestAdapter({
        ...(powerPreference !== undefined ? { powerPreference } : {}),
        ...(forceFallbackAdapter !== undefined ? { forceFallbackAdapter } : {}),
      });
      if (!adapter) return 'navigator.gpu.requestAdapter() returned no adapter';
      if (probe?.auto) {
        const software = softwareAdapterReason(adapter);
        if (software !== null) return software;
      }
      bindingLimit = options.maxStorageBufferBindingSize ?? adapter.limits?.maxStorageBufferBindingSize ?? 128 * 1024 * 1024;
      return null;
    },
    wasmThreading(o?: BackendSessionOptions) {
      const current = ort.env.wasm.numThreads;
      return describeWasmThreading({
        ...pageFacts(),
        // Set by onnxruntime-web at its first session (before it, only what the caller asked).
        threads: typeof current === 'number' && current > 0 ? current : undefined,
        requested: requestedThreads,
        modelMax: o?.maxWasmThreads,
        pageCap,
        modelMin: o?.minWasmThreads,
        pageFloor,
      });
    },
    async createSession(model: Uint8Array, provider: ExecutionProvider, o: BackendSessionOptions): Promise<BackendSession> {
      const so: ort.InferenceSession.SessionOptions = { executionProviders: [provider] };
      if (o.graphOptimization !== undefined) so.graphOptimizationLevel = o.graphOptimization;
      if (o.threads !== undefined) {
        ort.env.wasm.numThreads = o.threads;
        requestedThreads = o.threads;
      } else if (requestedThreads === undefined && !ortInitialised) {
        // The page's first session: the model says fewer (or more) threads run it faster
        // (measured per model, ARCHITECTURE.md "wasm threads"); later sessions keep the page's count.
        const page = pageFacts();
        const bounds = { min: o.minWasmThreads, max: o.maxWasmThreads };
        const choice = modelPageThreads(ort.env.wasm.numThreads ?? 1, bounds, page.hardwareConcurrency, canRunWasmThreads(page));
        if (choice !== undefined) {
          ort.env.wasm.numThreads = choice.threads;
          if (choice.bound === 'maxWasmThreads') pageCap = choice.threads;
          else pageFloor = choice.threads;
        }
      }
      await ensureAssets();
      const session = await ort.InferenceSession.create(model, so);
      ortInitialised = true;
      const facts = { modelId: o.modelId ?? 'model', bytes: model, provider };
      return provider === 'webgpu' ? new WebSession(session, facts, { model, limit: bindingLimit, options: so }) : new WebSession(session, facts);
    },
    loadModelBytes: (location, onProgress) => fetchWithProgress(location, onProgress),
  };
}
