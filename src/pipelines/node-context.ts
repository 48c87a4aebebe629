/**
 * Node wiring for pipelines: onnxruntime-node, the bundled manifest, and file readers (DICOM,
 * NIfTI, PNG/JPEG by content sniffing) for paths and bytes.
 */
import { readDicomWebSeries } from '../io/dicomweb/read-series.js';
import { readFile } from 'node:fs/promises';
import type { Volume } from '../core/volume.js';
import { LimitError } from '../core/errors.js';
import { voxelCount } from '../core/geometry.js';
import { readImageBytes, readImageFile } from '../io/node-read-image.js';
import { readManifestFile } from '../manifest/node-manifest.js';
import type { Manifest, ModelEntry } from '../manifest/types.js';
import { createNodeBackend } from '../runtime/ort-node.js';
import { SessionCache } from '../runtime/session-cache.js';
import { createPipelineInContext, type ImplementedTask, type PipelineMap } from './registry.js';
import type { ImageInput, PipelineContext, RuntimeSettings } from './types.js';

export interface NodePipelineOptions extends RuntimeSettings {
  /** Defaults to the package's bundled models.manifest.json. */
  readonly manifest?: Manifest;
  /** Share sessions between pipelines (and dispose them together). */
  readonly cache?: SessionCache;
  /** Refuse inputs with more voxels than this before allocating (default: the readers' limits). */
  readonly maxVoxels?: number;
}

function isVolume(input: ImageInput): input is Volume {
  return typeof input === 'object' && 'geometry' in input && 'data' in input;
}

export async function loadNodeVolume(input: ImageInput, options: { maxVoxels?: number } = {}): Promise<Volume> {
  const limits = options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {};
  if (typeof input === 'string') return readImageFile(input, limits);
  if (input instanceof Uint8Array) return readImageBytes(input, { ...limits, name: 'bytes' });
  if (isVolume(input)) {
    // In-memory volumes get the same limit the file readers apply from the header.
    const voxels = voxelCount(input.geometry) * input.frames;
    if (options.maxVoxels !== undefined && voxels > options.maxVoxels) {
      throw new LimitError(`${input.meta.source ?? 'volume'}: ${voxels} voxels exceed the limit of ${options.maxVoxels}`, { file: input.meta.source ?? 'memory', voxels, limit: options.maxVoxels });
    }
    return input;
  }
  if ('dicomweb' in input) return readDicomWebSeries({ ...input.dicomweb, read: { ...limits, ...input.dicomweb.read } });
  return readImageBytes(input.bytes, { ...limits, name: input.name });
}

export async function createNodeContext(options: NodePipelineOptions = {}): Promise<PipelineContext> {
  const manifest = options.manifest ?? (await readManifestFile());
  return {
    backend: createNodeBackend(),
    manifest,
    cache: options.cache ?? new SessionCache(),
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.allowFallback !== undefined ? { allowFallback: options.allowFallback } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    loadVolume: (input, o) => loadNodeVolume(input, { ...(options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}), ...o }),
    loadFile: async (location) => new Uint8Array(await readFile(location)),
  };
}

/** `createPipeline('classification', 'model-id', { provider: 'auto' })` in Node. */
export async function createPipeline<T extends ImplementedTask>(task: T, model: string | ModelEntry, options: NodePipelineOptions = {}): Promise<PipelineMap[T]> {
  return createPipelineInContext(task, model, await createNodeContext(options));
}
