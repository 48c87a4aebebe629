/**
 * Node backend over onnxruntime-node (CPU, CUDA, WebGPU EPs). Node-only: imported by src/node.ts.
 * onnxruntime-node is an optional peer (optional-peers.ts): it is imported when the first session
 * is planned, so `import 'medinfer'` works without it (DICOM / NIfTI reading needs no runtime) and
 * inference without it throws a MissingPackageError naming the install line.
 */
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ort from 'onnxruntime-node';
import { OrtSessionIo, type BackendSession, type BackendSessionOptions, type RuntimeBackend } from './backend.js';
import type { ExecutionProvider } from './providers.js';
import type { ModelTensor, TensorMap } from '../core/tensor.js';
import { isShared } from '../core/threads/slab-pool.js';
import { fetchWithProgress } from './fetch-bytes.js';
import { probeNodeWebGpu } from './webgpu-probe-node.js';
import { importPeer } from './optional-peers.js';

let ortModule: Promise<typeof Ort> | undefined;
function loadOrt(): Promise<typeof Ort> {
  ortModule ??= importPeer('onnxruntime-node', () => import('onnxruntime-node')).catch((error: unknown) => {
    ortModule = undefined; // installed later in a long-lived process: the next call tries again
    throw error;
  });
  return ortModule;
}

/** Folder holding onnxruntime-node's native binding and any provider libraries installed beside it. */
function ortBinaryDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaUnavailableReason(): string | null {
  if (process.platform !== 'linux' && process.platform !== 'win32') return `onnxruntime-node has no CUDA provider for ${process.platform}`;
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(join(ortBinaryDir(), lib))) {
    return (
      `CUDA provider libraries are not installed (${lib} not found beside onnxruntime-node); on a machine with CUDA 12 that reaches api.nuget.org run: ` +
      `npm install onnxruntime-node@~1.30.0 --onnxruntime-node-install=cuda12`
    );
  }
  return null;
}

const OPTIMIZATION = { disabled: 'disabled', basic: 'basic', extended: 'extended', all: 'all' } as const;

function toOrtTensor(ort: typeof Ort, t: ModelTensor): Ort.Tensor {
  // onnxruntime-node's binding refuses views of a SharedArrayBuffer ("Invalid argument"), and the
  // threaded kernels (resampling, label maps) hand their outputs over on shared memory: such a
  // feed goes in as a private copy (slice() allocates a plain ArrayBuffer).
  const data = isShared(t.data) ? t.data.slice() : t.data;
  return new ort.Tensor(t.type as Ort.Tensor.Type, data as Ort.Tensor.DataType, t.dims);
}

function fromOrtTensor(t: Ort.Tensor): ModelTensor {
  return { type: t.type as ModelTensor['type'], dims: [...t.dims], data: t.data as ModelTensor['data'] };
}

class NodeSession extends OrtSessionIo<Ort.InferenceSession> implements BackendSession {
  constructor(
    private readonly ort: typeof Ort,
    session: Ort.InferenceSession,
  ) {
    super(session);
  }

  async run(feeds: TensorMap): Promise<TensorMap> {
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(this.ort, t);
    const out = await this.session.run(ortFeeds);
    const result: TensorMap = {};
    for (const [name, t] of Object.entries(out)) result[name] = fromOrtTensor(t);
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export function createNodeBackend(): RuntimeBackend {
  return {
    platform: 'node',
    // WebGPU in Node is opt-in (explicit request): 'auto' prefers CUDA when installed, else CPU.
    autoOrder: ['cuda', 'cpu'],
    async unavailableReason(provider: ExecutionProvider): Promise<string | null> {
      // Thrown, not returned as a reason: without the runtime no provider can run, and a missing
      // package is an install problem to report as such, not a provider to fall back from.
      const ort = await loadOrt();
      if (provider === 'cpu') return null;
      if (provider === 'cuda') return cudaUnavailableReason();
      if (provider === 'wasm') return "'wasm' is the browser provider; in Node use 'cpu' (same kernels, faster)";
      const supported = ort.listSupportedBackends?.() ?? [];
      if (!supported.some((b) => b.name === 'webgpu')) return 'this onnxruntime-node build has no WebGPU provider';
      // First tried in a child process, so Dawn / Vulkan warnings printed by native code on a
      // machine without an adapter stay out of the user's terminal (webgpu-probe-node.ts).
      return probeNodeWebGpu();
    },
    async createSession(model: Uint8Array, provider: ExecutionProvider, options: BackendSessionOptions): Promise<BackendSession> {
      const ort = await loadOrt();
      const so: Ort.InferenceSession.SessionOptions = { executionProviders: [provider], logSeverityLevel: 3 };
      if (options.threads !== undefined) so.intraOpNumThreads = options.threads;
      if (options.graphOptimization !== undefined) so.graphOptimizationLevel = OPTIMIZATION[options.graphOptimization];
      if (options.memoryPattern !== undefined) so.enableMemPattern = options.memoryPattern;
      if (options.memoryArena !== undefined) so.enableCpuMemArena = options.memoryArena;
      // CPU sessions default to intra-op threads that block instead of spin-waiting: on a machine
      // whose cores are shared (other processes, the pipeline's own JS pre/postprocessing) spinning
      // threads compete for the cores the work needs. Faster on 2 loaded cores for
      // DenseNet-121, the same for 3D models, slightly slower for tiny ones (BENCHMARKS.md, "Design
      // measurements"). intraOpSpinning: true restores spinning.
      const spinning = options.intraOpSpinning ?? (provider === 'cpu' ? false : undefined);
      // The Node binding flattens nested keys: session.intra_op.allow_spinning.
      if (spinning !== undefined) so.extra = { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } };
      return new NodeSession(ort, await ort.InferenceSession.create(model, so));
    },
    async loadModelBytes(location: string, onProgress?: (loaded: number, total?: number) => void): Promise<Uint8Array> {
      if (/^https?:\/\//i.test(location)) return fetchWithProgress(location, onProgress);
      const path = location.startsWith('file:') ? fileURLToPath(location) : location;
      const info = await stat(path);
      const bytes = new Uint8Array(await readFile(path));
      onProgress?.(bytes.byteLength, info.size);
      return bytes;
    },
  };
}
