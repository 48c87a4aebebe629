/**
 * Browser backend over onnxruntime-web. Uses the native WebGPU build (`onnxruntime-web/webgpu`),
 * which also runs wasm: the default JSEP import was measured to return all-zero logits for
 * DenseNet-121 on WebGPU (see the README), so it is never used.
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { BackendSession, BackendSessionOptions, RuntimeBackend, ValueMetadata } from './backend.js';
import { fetchWithProgress } from './fetch-bytes.js';
import type { ExecutionProvider } from './providers.js';
import type { TensorLike, TensorMap } from './tensor.js';

export interface WebBackendOptions {
  /** Where ORT's .wasm files are served (bundlers do not copy them). */
  readonly wasmPaths?: string;
  /** wasm threads; > 1 needs a cross-origin-isolated page (COOP/COEP headers). */
  readonly numThreads?: number;
}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

function metadataOf(list: readonly ort.InferenceSession.ValueMetadata[]): ValueMetadata[] {
  return list.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: m.shape } : { name: m.name, isTensor: false }));
}

class WebSession implements BackendSession {
  constructor(private readonly session: ort.InferenceSession) {}
  get inputNames() { return this.session.inputNames; }
  get outputNames() { return this.session.outputNames; }
  get inputMetadata() { return metadataOf(this.session.inputMetadata); }
  get outputMetadata() { return metadataOf(this.session.outputMetadata); }

  async run(feeds: TensorMap): Promise<TensorMap> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
    const out = await this.session.run(ortFeeds);
    const result: TensorMap = {};
    for (const [name, t] of Object.entries(out)) {
      // GPU-resident outputs are downloaded so results are plain typed arrays like in Node.
      const data = t.location === 'cpu' || t.location === undefined ? t.data : await t.getData(true);
      result[name] = { type: t.type as TensorLike['type'], dims: [...t.dims], data: data as TensorLike['data'] };
    }
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export function createWebBackend(options: WebBackendOptions = {}): RuntimeBackend {
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
  return {
    platform: 'browser',
    autoOrder: ['webgpu', 'wasm'],
    async unavailableReason(provider: ExecutionProvider): Promise<string | null> {
      if (provider === 'wasm') return null;
      if (provider === 'cpu') return "'cpu' is the Node provider; in browsers use 'wasm'";
      if (provider === 'cuda') return 'CUDA is not available in browsers';
      const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
      if (!gpu) return 'navigator.gpu is missing: this browser has WebGPU disabled or unsupported';
      const adapter = await gpu.requestAdapter();
      return adapter ? null : 'navigator.gpu.requestAdapter() returned no adapter';
    },
    async createSession(model: Uint8Array, provider: ExecutionProvider, o: BackendSessionOptions): Promise<BackendSession> {
      const so: ort.InferenceSession.SessionOptions = { executionProviders: [provider] };
      if (o.graphOptimization !== undefined) so.graphOptimizationLevel = o.graphOptimization;
      if (o.threads !== undefined) ort.env.wasm.numThreads = o.threads;
      return new WebSession(await ort.InferenceSession.create(model, so));
    },
    loadModelBytes: (location, onProgress) => fetchWithProgress(location, onProgress),
  };
}
