/** Typed view of models.manifest.json (validated against MANIFEST_SCHEMA at load). */
import type { IoSpec } from './io-spec.js';
import type { TaskName } from './tasks.js';
import type { PostprocessStep } from '../postprocess/plan/ops.js';
import type { PreprocessStep } from '../preprocess/types.js';

export { TASK_NAMES, type TaskName } from './tasks.js';

export interface DatasetEntry {
  readonly id: string;
  readonly name: string;
  readonly tasks: readonly string[];
  readonly modality: string;
  readonly year?: number;
  readonly acquisition: {
    readonly kind: 'public-link' | 'registration' | 'not-publicly-linked' | 'generated';
    readonly link?: string;
    readonly terms?: string;
    readonly generator?: string;
  };
  readonly licence?: string;
  readonly size?: string;
  readonly citation?: string;
  readonly flagship?: boolean;
  readonly surveyTable?: string;
  readonly notes?: string;
}

export interface ModelFile {
  readonly role: 'model' | 'vocab' | 'labels' | 'config';
  readonly path?: string;
  readonly url?: string;
  readonly sha256?: string;
  readonly bytes?: number;
  readonly precision?: 'fp32' | 'fp16' | 'int8';
}

/**
 * A declarative step as written in a manifest file (`op` plus parameters), before validation;
 * a loaded ModelEntry holds the typed steps the preprocess / postprocess validators return.
 */
export interface StepSpec {
  readonly op: string;
  readonly [param: string]: unknown;
}

/** Runtime hints every inference mode may carry. */
export interface InferenceHints {
  /**
   * Browsers: the most onnxruntime-web wasm threads this model profits from (e.g. 1 for a model
   * whose ops are too small for thread synchronisation to pay); applied when the model opens the
   * page's first session and the caller sets no thread count. Ignored in Node.
   */
  readonly maxWasmThreads?: number;
  /**
   * Browsers: the fewest onnxruntime-web wasm threads this model should run on, at most the
   * machine's cores (a large 3D model whose ops pay for thread synchronisation even where the
   * default, half the cores, is 1); applied like maxWasmThreads. Ignored in Node.
   */
  readonly minWasmThreads?: number;
}

export type InferenceSpec = InferenceHints &
  (
    | { readonly mode: 'whole'; readonly batch?: number }
    | {
        readonly mode: 'slidingWindow';
        readonly roi: readonly number[];
        readonly overlap: number;
        readonly batch?: number;
        readonly blend?: 'constant' | 'gaussian';
        readonly sigmaScale?: number;
        readonly placement?: 'monai' | 'nnunet';
        readonly mirrorAxes?: readonly number[];
        readonly padValue?: number;
        /** Padding of an image smaller than the roi: 'constant' (padValue) or 'replicate' (edge voxels). */
        readonly padMode?: 'constant' | 'replicate';
      }
  );

/** A coded concept as in DICOM's Code Sequence macro (scheme = coding scheme designator: 'SCT', 'DCM', ...). */
export interface CodeSpec {
  readonly value: string;
  readonly scheme: string;
  readonly meaning: string;
}

/**
 * A label: its name, its value in a label map (default: its index), a display colour '#rrggbb',
 * and the codes DICOM results use: `code` says what it is (SEG SegmentedPropertyType, SR
 * finding), `category` its SEG SegmentedPropertyCategory.
 */
export type LabelSpec =
  | string
  | { readonly name: string; readonly value?: number; readonly color?: string; readonly code?: CodeSpec; readonly category?: CodeSpec };

/** Declarative QIDO-RS series selection: every stated criterion must hold. */
export interface DicomWebSeriesRule {
  /** Model input this rule feeds (multi-input models); omitted for single-input models. */
  readonly input?: string;
  /** Accepted Modality values (default: the entry's `modality`). */
  readonly modality?: readonly string[];
  /** SeriesDescription contains one of these, case-insensitive. */
  readonly descriptionIncludes?: readonly string[];
  /** SeriesDescription contains none of these, case-insensitive. */
  readonly descriptionExcludes?: readonly string[];
  /** At least this many instances (NumberOfSeriesRelatedInstances), e.g. to skip scouts. */
  readonly minInstances?: number;
}

export interface MetricSpec {
  readonly value: number;
  readonly measuredOn?: Readonly<Record<string, unknown>>;
  readonly source?: string;
}

export interface ModelEntry {
  readonly id: string;
  readonly task: TaskName;
  readonly title: string;
  readonly description?: string;
  readonly datasets: readonly string[];
  readonly architecture: string;
  readonly files: readonly ModelFile[];
  readonly weights: {
    readonly kind: 'bundled' | 'external' | 'user';
    readonly source?: string;
    readonly checkpoint?: string;
    readonly convertScript?: string;
    readonly trainScript?: string;
    readonly licence?: string;
  };
  readonly opset?: number;
  readonly io: IoSpec;
  readonly inputs?: readonly { readonly name: string; readonly modality?: string; readonly description?: string }[];
  readonly modality?: readonly string[];
  readonly dimensionality?: 2 | 3;
  /** Series selection for `medinfer dicomweb run` (see DicomWebSeriesRule). */
  readonly dicomweb?: { readonly series?: readonly DicomWebSeriesRule[] };
  /** The orientation (nibabel axis codes) and spacing the model was trained in; enforced (checkModelSpace). */
  readonly space?: { readonly orientation?: string; readonly spacing?: readonly number[]; readonly world?: 'LPS' | 'RAS' };
  /**
   * Segmentation: another entry of the same manifest run first on the same input; its label map
   * (on the grid its plan regrids to) feeds `cropForeground {mask: 'preModel'}`. `skip` names ops
   * of its preprocess / postprocess not run in that role (brainchop runs its pre-model uncropped).
   */
  readonly preModel?: { readonly id: string; readonly skip?: readonly string[] };
  /** Validated once, at load (or when a hand-made entry reaches createPipeline); deeply frozen. */
  readonly preprocess: readonly PreprocessStep[];
  readonly inference: InferenceSpec;
  /** Validated once like `preprocess`; only ops the entry's task runs (TASK_POSTPROCESS_OPS). */
  readonly postprocess: readonly PostprocessStep[];
  readonly labels: readonly LabelSpec[];
  readonly thresholds?: readonly (number | null)[];
  readonly tokenizer?: Readonly<Record<string, unknown>>;
  readonly intendedUse: string;
  readonly limitations?: string;
  readonly metrics?: Readonly<Record<string, MetricSpec>>;
  readonly references?: readonly { readonly title: string; readonly url?: string }[];
  readonly licence?: string;
  /**
   * Folder (or base URL) this entry's relative file paths resolve from when it is not the
   * manifest's `base`: set by the loader on entries merged from the user model store
   * (src/manifest/store/). Not a manifest field (the schema refuses it in a file).
   */
  readonly base?: string;
}

export interface Manifest {
  readonly manifestVersion: 1;
  readonly datasets: Readonly<Record<string, DatasetEntry>>;
  readonly models: Readonly<Record<string, ModelEntry>>;
  /** Where relative file paths resolve from: a directory path (Node) or a base URL (browser). */
  readonly base?: string;
}
