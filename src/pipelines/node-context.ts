/**
 * Node wiring for pipelines: onnxruntime-node, the bundled manifest, and file readers (DICOM,
 * NIfTI, PNG/JPEG by content sniffing) for paths and bytes.
 */
import { readDicomWebSeries } from '../io/dicomweb/read-series.js';
import { readFile } from 'node:fs/promises';
import type { ByteAllocator, SampleAllocator } from '../core/sample-scratch.js';
import type { Volume } from '../core/volume.js';
import { InputError, isMedinferError, LimitError } from '../core/errors.js';
import { readDicomDirectory } from '../io/dicom/node-files.js';
import { voxelCount } from '../core/geometry.js';
import { readImageBytes, readImageFileWith } from '../io/node-read-image.js';
import { loadManifestWithStore } from '../manifest/store/load-with-store.js';
import type { Manifest, ModelEntry } from '../manifest/types.js';
import type { RuntimeBackend } from '../runtime/backend.js';
import { createNodeBackend } from '../runtime/ort-node.js';
import { SessionCache } from '../runtime/session-cache.js';
import { createPipelineInContext, type ImplementedTask, type PipelineMap } from './registry.js';
import type { ImageInput, PipelineContext, RuntimeSettings } from './types.js';
// Node pipelines (and the CLI) get the volume kernels' worker threads (the runner in postprocess/threads/, the pool in core/threads/).
import '../postprocess/threads/node-slab-pool.js';

export interface NodePipelineOptions extends RuntimeSettings {
  /** Defaults to the package's bundled models.manifest.json merged with the user model store. */
  readonly manifest?: Manifest;
  /**
   * The user model store folder (default: $MEDINFER_MODELS, else the per-user data folder;
   * see src/manifest/store/models-dir.ts). Used when `manifest` is not given.
   */
  readonly modelsDir?: string;
  /** Share sessions between pipelines (and dispose them together). */
  readonly cache?: SessionCache;
  /** Refuse inputs with more voxels than this before allocating (default: the readers' limits). */
  readonly maxVoxels?: number;
  /**
   * Where sessions run (default: onnxruntime-node on the calling thread). A service that keeps
   * decoding and writing while models run passes `createThreadedBackend()` (sessions in a worker
   * thread; session.run blocks the thread it is called on).
   */
  readonly backend?: RuntimeBackend;
}

function isVolume(input: ImageInput): input is Volume {
  return typeof input === 'object' && 'geometry' in input && 'data' in input;
}

export async function loadNodeVolume(
  input: ImageInput,
  options: { maxVoxels?: number; allocateSamples?: SampleAllocator; allocateBytes?: ByteAllocator } = {},
): Promise<Volume> {
  const limits = options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {};
  if (typeof input === 'string') return readPath(input, limits, options.allocateSamples, options.allocateBytes);
  if (input instanceof Uint8Array) return readImageBytes(input, { ...limits, name: 'bytes' });
  if (isVolume(input)) {
    // In-memory volumes get the same limit the file readers apply from the header.
    const voxels = voxelCount(input.geometry) * input.frames;
    if (options.maxVoxels !== undefined && voxels > options.maxVoxels) {
      throw new LimitError(`${input.meta.source ?? 'volume'}: ${voxels} voxels exceed the limit of ${options.maxVoxels}`, {
        file: input.meta.source ?? 'memory',
        voxels,
        limit: options.maxVoxels,
      });
    }
    return input;
  }
  if ('dicomweb' in input) return readDicomWebSeries({ ...input.dicomweb, read: { ...limits, ...input.dicomweb.read } });
  return readImageBytes(input.bytes, { ...limits, name: input.name });
}

/**
 * A file, or a DICOM series folder: tried as a file first, which a folder refuses with EISDIR
 * (its open succeeds on Linux, its read fails; Windows refuses the open), so a file costs no
 * separate stat (a thread-pool round trip per input).
 */
async function readPath(path: string, limits: { maxVoxels?: number }, allocateSamples?: SampleAllocator, allocateBytes?: ByteAllocator): Promise<Volume> {
  try {
    return await readImageFileWith(path, limits, allocateSamples, allocateBytes);
  } catch (error) {
    if (isMedinferError(error) && error.details['errno'] === 'EISDIR') return readSeriesFolder(path, limits);
    throw error;
  }
}

/** A folder given as an image input must hold exactly one DICOM series (part); anything else is named. */
async function readSeriesFolder(dir: string, limits: { maxVoxels?: number }): Promise<Volume> {
  const { series, errors } = await readDicomDirectory(dir, limits);
  if (series.length === 1) return series[0]!;
  if (series.length === 0) {
    const first = errors[0];
    if (first !== undefined) throw first.error;
    throw new InputError(`${dir}: no DICOM series in the folder`, { file: dir, cause: 'empty-folder' });
  }
  const list = series.map(
    (v) =>
      `${String(v.meta.source ?? '?')}${typeof v.meta['part'] === 'string' ? ` part '${String(v.meta['part'])}'` : ''} ` +
      `[${v.geometry.size.join('x')}${v.frames > 1 ? `x${v.frames}` : ''}]`,
  );
  throw new InputError(
    `${dir}: the folder holds ${series.length} DICOM series / parts; give one series folder (or read them with readDicomDirectory): ${list.join('; ')}`,
    { file: dir, cause: 'several-series', series: list },
  );
}

export async function createNodeContext(options: NodePipelineOptions = {}): Promise<PipelineContext> {
  const manifest = options.manifest ?? (await loadManifestWithStore(options.modelsDir !== undefined ? { modelsDir: options.modelsDir } : {})).manifest;
  return {
    backend: options.backend ?? createNodeBackend(),
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
export async function createPipeline<T extends ImplementedTask>(
  task: T,
  model: string | ModelEntry,
  options: NodePipelineOptions = {},
): Promise<PipelineMap[T]> {
  return createPipelineInContext(task, model, await createNodeContext(options));
}
