/**
 * Browser wiring for pipelines: onnxruntime-web (WebGPU or wasm), a manifest fetched from a URL
 * (model files resolve against it, each checked against its sha256), and File / Blob / URL
 * readers. The API and results are the same as in Node.
 */
import { readDicomWebSeries } from '../io/dicomweb/read-series.js';
import type { Volume } from '../core/volume.js';
import { readImageInBrowser } from '../io/browser/read-image.js';
import { parseManifest } from '../manifest/load.js';
import type { Manifest, ModelEntry } from '../manifest/types.js';
import { fetchWithProgress } from '../runtime/fetch-bytes.js';
import { createWebBackend } from '../runtime/ort-web.js';
import { SessionCache } from '../runtime/session-cache.js';
import { createPipelineInContext, type ImplementedTask, type PipelineMap } from './registry.js';
import type { ImageInput, PipelineContext, RuntimeSettings } from './types.js';

export interface BrowserPipelineOptions extends RuntimeSettings {
  readonly manifest?: Manifest;
  /** Where models.manifest.json is served; model paths resolve against its folder. */
  readonly manifestUrl?: string;
  /** Where ORT's .wasm files are served. */
  readonly wasmPaths?: string;
  /** wasm threads (needs a cross-origin-isolated page for > 1). */
  readonly numThreads?: number;
  /** Test hook / override for the WebGPU binding limit in bytes. */
  readonly maxStorageBufferBindingSize?: number;
  readonly cache?: SessionCache;
  readonly maxVoxels?: number;
  /** Model download progress (bytes loaded, total if known). */
  readonly onDownloadProgress?: (loaded: number, total?: number) => void;
}

export async function fetchManifest(url: string): Promise<Manifest> {
  const bytes = await fetchWithProgress(url);
  const base = new URL('.', new URL(url, globalThis.location?.href ?? undefined)).href;
  return parseManifest(JSON.parse(new TextDecoder().decode(bytes)), { base });
}

function isVolume(input: ImageInput | Blob): input is Volume {
  return typeof input === 'object' && 'geometry' in input && 'data' in input;
}

export async function createBrowserContext(options: BrowserPipelineOptions = {}): Promise<PipelineContext> {
  const manifest = options.manifest ?? (await fetchManifest(options.manifestUrl ?? './models.manifest.json'));
  const backend = createWebBackend({
    ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
    ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
    ...(options.maxStorageBufferBindingSize !== undefined ? { maxStorageBufferBindingSize: options.maxStorageBufferBindingSize } : {}),
  });
  const progressBackend = options.onDownloadProgress
    ? { ...backend, loadModelBytes: (location: string) => backend.loadModelBytes(location, options.onDownloadProgress) }
    : backend;
  return {
    backend: progressBackend,
    manifest,
    cache: options.cache ?? new SessionCache(),
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.allowFallback !== undefined ? { allowFallback: options.allowFallback } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    loadVolume: async (input, o) => {
      if (isVolume(input)) return input;
      const maxVoxels = o?.maxVoxels ?? options.maxVoxels;
      const limits = maxVoxels !== undefined ? { maxVoxels } : {};
      if (typeof input === 'object' && 'dicomweb' in input) return readDicomWebSeries({ ...input.dicomweb, read: { ...limits, ...input.dicomweb.read } });
      return readImageInBrowser(input, limits);
    },
    loadFile: (location) => fetchWithProgress(location),
  };
}

/** `createPipeline('segmentation', 'model-id', { manifestUrl, wasmPaths })` in a browser. */
export async function createPipeline<T extends ImplementedTask>(
  task: T,
  model: string | ModelEntry,
  options: BrowserPipelineOptions = {},
): Promise<PipelineMap[T]> {
  return createPipelineInContext(task, model, await createBrowserContext(options));
}
