/** Types shared by the batch runner (`medinfer run`), its writers, and `medinfer eval`. */
import type { LandmarkFormat } from '../../pipelines/landmarks.js';
import type { Manifest } from '../../manifest/types.js';
import type { ProviderChoice } from '../../runtime/providers.js';

/** A path to an image: a file, or a folder of DICOM files read as one series. */
export interface ImagePath {
  readonly path: string;
  readonly dicomFolder: boolean;
}

export type ItemSource =
  | { readonly kind: 'image'; readonly image: ImagePath }
  /** Multi-modal inputs keyed by the model's `inputs[].name` (a missing name fails the item). */
  | { readonly kind: 'named'; readonly images: Readonly<Record<string, ImagePath>> }
  | {
      readonly kind: 'pair';
      readonly fixed: ImagePath;
      readonly moving: ImagePath;
      readonly movingLabels?: ImagePath;
      readonly landmarks?: { readonly fixed: string; readonly moving: string; readonly format: LandmarkFormat };
    }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'text-file'; readonly path: string }
  /** Grouping found an incomplete set (e.g. a fixed image without its moving image): fails as E_INPUT. */
  | { readonly kind: 'incomplete'; readonly reason: string };

export interface BatchItem {
  /** Output stem: unique, sanitised (see output-names.ts). */
  readonly id: string;
  /** What the user named (path as given, or csv:row), for logs and results. */
  readonly label: string;
  readonly source: ItemSource;
  /** Other CSV columns of the item's row (labels for eval). */
  readonly columns?: Readonly<Record<string, string>>;
}

export type OutputFormat = 'json' | 'csv';

export interface BatchOptions {
  /** Model id in the manifest. */
  readonly model: string;
  /** Files, folders, globs or list CSVs. */
  readonly inputs: readonly string[];
  readonly output: string;
  /** A manifest object or a path to one (default: the bundled manifest). */
  readonly manifest?: Manifest | string;
  readonly provider?: ProviderChoice;
  /** Inputs in flight at once (default 2). One session serves them all. */
  readonly concurrency?: number;
  readonly format?: OutputFormat;
  readonly overwrite?: boolean;
  readonly quiet?: boolean;
  /** Classification: occlusion maps as PNG overlays. */
  readonly explain?: boolean;
  readonly threads?: number;
  readonly maxVoxels?: number;
  /** The volume (0-based) a model takes from multi-volume inputs (4D DICOM must name one). */
  readonly volume?: number;
  /** Stops taking new inputs when aborted (Ctrl-C); inputs in flight are completed. */
  readonly signal?: AbortSignal;
  /**
   * Where ONNX Runtime runs: 'worker' (default) a worker thread, so JS-side work of other inputs
   * overlaps inference; 'main' the JS thread (onnxruntime-node then blocks it during each run).
   */
  readonly inferenceThread?: 'worker' | 'main';
}

export interface BatchFailure {
  readonly id: string;
  readonly input: string;
  readonly code: string;
  readonly message: string;
}

export interface BatchSummary {
  readonly model: string;
  readonly task: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Complete outputs from an earlier run that were kept. */
  readonly skipped: number;
  /** Wall time from the first input to the last output (session creation excluded). */
  readonly durationMs: number;
  /** Inputs processed (ok + failed) per second of wall time. */
  readonly rate: number;
  readonly outputDir: string;
  readonly resultsPath: string;
  readonly errorsPath: string;
  readonly failures: readonly BatchFailure[];
  readonly provider: string;
  /** Inputs not done because the run was interrupted or stopped (0 otherwise); a re-run does them. */
  readonly notStarted: number;
  /**
   * Entries of the input folders that are not inputs, with the reason (dangling symlink, hidden,
   * side file, name matching no model input ...): nothing in an input folder is left out silently.
   */
  readonly skippedFiles: readonly { readonly path: string; readonly reason: string }[];
  /** Set when an output fault (disk full, read-only, permission) stopped the run early. */
  readonly stopped?: BatchStop;
}

/** Why a run stopped before its inputs were done: the typed I/O error of the output location. */
export interface BatchStop {
  readonly code: string;
  readonly message: string;
  /** The path that could not be written. */
  readonly file: string;
}

/** One line of results.jsonl: written last, after every output file of the input is in place. */
export interface ResultLine {
  readonly id: string;
  readonly input: string;
  /** Output files relative to the output folder. */
  readonly outputs: readonly string[];
  /** Flat values for results.csv. */
  readonly summary: Readonly<Record<string, string | number | boolean | null>>;
  /** Detection: candidate rows for candidates.csv (world mm). */
  readonly candidates?: readonly {
    readonly seriesuid: string;
    readonly coordX: number;
    readonly coordY: number;
    readonly coordZ: number;
    readonly probability: number;
  }[];
  readonly warnings?: readonly string[];
  readonly provenance: unknown;
  readonly completedAt: string;
}
