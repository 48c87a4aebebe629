/**
 * What a platform (onnxruntime-node or onnxruntime-web) must provide. The shared session logic
 * (checksums, I/O checks, provider fallback, output sanity) is written once against this.
 */
import type { DroppedProvider, ExecutionProvider } from './providers.js';
import type { TensorMap } from '../core/tensor.js';
import type { WasmThreadingReport } from './wasm-threading.js';

/** What the provider resolution knows when it asks a backend whether a provider may work. */
export interface ProviderProbe {
  /**
   * True when the caller chose 'auto': the backend may then refuse a provider that would run but
   * badly (e.g. a software WebGPU adapter), where an explicit choice would still get it.
   */
  readonly auto: boolean;
}

export interface ValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  /** Element type as ONNX Runtime names it ('float32', 'int64', ...). */
  readonly type?: string;
  /** Static dims as numbers; dynamic dims as their symbolic name or -1. */
  readonly shape?: readonly (number | string)[];
}

/** ONNX Runtime's value metadata, structurally (the Node and web packages each have their own type). */
interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: unknown;
  readonly shape?: readonly (number | string)[];
}

/** Normalises ORT's input / output metadata for the I/O checks (shared by both backends). */
export function toValueMetadata(list: readonly OrtValueMetadata[]): ValueMetadata[] {
  return list.map((m) =>
    m.isTensor && m.shape ? { name: m.name, isTensor: true, type: String(m.type), shape: m.shape } : { name: m.name, isTensor: m.isTensor },
  );
}

/** An onnxruntime session's names and metadata, structurally (onnxruntime-node and -web each have their own type). */
interface OrtSessionShape {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly OrtValueMetadata[];
  readonly outputMetadata: readonly OrtValueMetadata[];
}

/** Names and normalised metadata of a wrapped onnxruntime session: the part both backends share. */
export abstract class OrtSessionIo<S extends OrtSessionShape> {
  constructor(protected readonly session: S) {}
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }
  get inputMetadata(): ValueMetadata[] {
    return toValueMetadata(this.session.inputMetadata);
  }
  get outputMetadata(): ValueMetadata[] {
    return toValueMetadata(this.session.outputMetadata);
  }
}

export interface BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  run(feeds: TensorMap): Promise<TensorMap>;
  release(): Promise<void>;
  /** Runs that could not use the session's provider and why (e.g. WebGPU buffer limits). */
  readonly fallbacks?: readonly DroppedProvider[];
}

export interface BackendSessionOptions {
  /** Intra-op threads for CPU / wasm (undefined: the runtime's default). */
  readonly threads?: number;
  readonly graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Node CPU: whether idle intra-op threads spin-wait for the next parallel section (undefined:
   * false for the Node CPU provider - threads hand their cores back between and after runs, which
   * measured faster on shared cores (see ort-node.ts); other providers keep the runtime's default).
   * true restores ONNX Runtime's spinning, e.g. for a dedicated machine running tiny models.
   */
  readonly intraOpSpinning?: boolean;
  /**
   * Node CPU: ONNX Runtime's memory pattern planning (undefined: on, the default). With it, the
   * first run of each input shape reserves one block sized for the whole graph's activations
   * and keeps it; pipelines that run large sliding windows turn it off. Off, a large window's
   * peak memory drops by about a third at no cost in time; turning the arena off instead saved less
   * and cost time (BENCHMARKS.md, "Design measurements").
   */
  readonly memoryPattern?: boolean;
  /**
   * Node CPU: ONNX Runtime's CPU memory arena (undefined: on, the default). The arena keeps the
   * largest footprint any run reached and reuses it; off, a run's buffers go back to the system
   * when it ends. For a model run once per pipeline run beside a bigger one (a pre-model) that is
   * memory held for nothing: the brainchop tissue network on a 256^3 volume left RSS at 1260 MB
   * after one run and 2366 MB after a second with the arena, 354 / 555 MB without, CPU time within
   * the noise of the shared 2-core box.
   */
  readonly memoryArena?: boolean;
  /**
   * Browsers: the most wasm threads this model profits from (the entry's
   * `inference.maxWasmThreads`). onnxruntime-web fixes one thread count per page at its first
   * session, so it lowers the count only when this is the page's first session and the caller set
   * none; otherwise the report says the page's count differs (wasm-threading.ts).
   */
  readonly maxWasmThreads?: number;
  /**
   * Browsers: the fewest wasm threads this model should run on (the entry's
   * `inference.minWasmThreads`: large 3D models whose ops pay for the threads' synchronisation),
   * at most the cores; applied like maxWasmThreads, only at the page's first session.
   */
  readonly minWasmThreads?: number;
  /** The model's id or file name, for errors the backend raises itself (e.g. the wasm memory check). */
  readonly modelId?: string;
}

export interface RuntimeBackend {
  readonly platform: 'node' | 'browser';
  /** Preference order used for 'auto'. */
  readonly autoOrder: readonly ExecutionProvider[];
  /** Cheap pre-check: null when the provider may work, otherwise why it cannot (or, under 'auto', should not). */
  unavailableReason(provider: ExecutionProvider, probe?: ProviderProbe): Promise<string | null>;
  createSession(model: Uint8Array, provider: ExecutionProvider, options: BackendSessionOptions): Promise<BackendSession>;
  /** Reads a model from a file path (Node) or URL. `onProgress` gets (loadedBytes, totalBytes?). */
  loadModelBytes(location: string, onProgress?: (loaded: number, total?: number) => void): Promise<Uint8Array>;
  /** Browsers: how wasm is threaded (read after a session exists, when the count is settled). */
  wasmThreading?(options?: BackendSessionOptions): WasmThreadingReport;
}
