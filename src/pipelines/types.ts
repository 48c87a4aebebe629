/** Types shared by every task pipeline. */
import type { ByteAllocator, SampleAllocator } from '../core/sample-scratch.js';
import type { Volume } from '../core/volume.js';
import type { DicomWebSeriesReference } from '../io/dicomweb/read-series.js';
import type { Manifest, ModelEntry, TaskName } from '../manifest/types.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import type { RuntimeBackend } from '../runtime/backend.js';
import type { ProviderChoice, ProviderReport } from '../runtime/providers.js';
import type { SessionCache } from '../runtime/session-cache.js';

/**
 * An image input: a Volume, a file path (Node) or URL, raw bytes, named bytes (browser File
 * contents), or a DICOMweb series reference `{ dicomweb: { url, study, series, auth? } }`
 * (retrieved with WADO-RS, in Node and browsers alike).
 */
export type ImageInput = Volume | string | Uint8Array | { readonly name: string; readonly bytes: Uint8Array } | { readonly dicomweb: DicomWebSeriesReference };

/** Where a result came from: enough to reproduce it and to audit which model and provider ran. */
export interface Provenance {
  readonly modelId: string;
  readonly task: TaskName;
  readonly sha256: string;
  readonly sdkVersion: string;
  readonly provider: ProviderReport;
  /** Preprocessing records per input volume (in the order the model consumed them). */
  readonly preprocessing: readonly (readonly PreprocessRecord[])[];
  /** Input names (file names or 'memory'); never patient identifiers. */
  readonly inputs: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  /**
   * Of durationMs, the time spent inside the runtime's session.run (model arithmetic); the rest
   * is reading, preprocessing, windowing, blending and postprocessing. Set by the volumetric
   * pipelines (segmentation, registration).
   */
  readonly inferenceMs?: number;
}

export interface RuntimeSettings {
  readonly provider?: ProviderChoice;
  readonly allowFallback?: boolean;
  readonly threads?: number;
}

/** What a platform entry (node.ts / browser.ts) supplies to pipelines. */
export interface PipelineContext extends RuntimeSettings {
  readonly backend: RuntimeBackend;
  readonly manifest: Manifest;
  readonly cache: SessionCache;
  /**
   * Turns an ImageInput into a Volume (file readers are platform-specific). `allocateSamples`:
   * where a file's samples may be read straight into (or a PNG inflated into); `allocateBytes`:
   * where a file read whole may go (a pipeline's reused buffers; readers that cannot use them
   * ignore them).
   */
  readonly loadVolume: (
    input: ImageInput,
    options?: { maxVoxels?: number; allocateSamples?: SampleAllocator; allocateBytes?: ByteAllocator },
  ) => Promise<Volume>;
  /** Reads a model side file (vocabulary, labels) from a path or URL. */
  readonly loadFile: (location: string) => Promise<Uint8Array>;
}

export interface PipelineBase {
  readonly task: TaskName;
  readonly entry: ModelEntry;
  readonly provider: ProviderReport;
  dispose(): Promise<void>;
}
