/**
 * The CLI side of a task, in one definition per task (src/cli/tasks/<task>.ts), collected in the
 * registry (index.ts). The generic code - batch runner, eval, demo, DICOMweb flow - looks a task
 * up there instead of switching on its name. The library side of a task is its pipeline
 * (src/pipelines/<task>.ts and the pipeline registry).
 */
import type { Volume } from '../../core/volume.js';
import type { DicomSourceSeries, SegmentDescription } from '../../io/dicom-write/index.js';
import type { ModelEntry, TaskName } from '../../manifest/types.js';
import type { ClassificationResult } from '../../pipelines/classification.js';
import type { PipelineMap } from '../../pipelines/registry.js';
import type { ItemCollector } from '../batch/collect-items.js';
import type { LoadOptions } from '../batch/load-item.js';
import type { MicroBatcher } from '../batch/micro-batcher.js';
import type { TaskOutputs } from '../batch/task-outputs/output-files.js';
import type { BatchItem, ResultLine } from '../batch/types.js';
import type { DemoContext, DemoSection } from '../demo/context.js';
import type { SrFindings } from '../dicomweb/derived-sr.js';
import type { SelectedSeries } from '../dicomweb/select-series.js';
import type { FlowProgress } from '../progress-line.js';

export type AnyPipeline = PipelineMap[keyof PipelineMap];

/** What a task's pipeline `run` resolves to. */
export type TaskResult<T extends TaskName = TaskName> = Awaited<ReturnType<PipelineMap[T]['run']>>;

/** What its `runToSink` resolves to, for a pipeline that writes a result as it is made (segmentation); else never. */
type SinkResult<T extends TaskName> = PipelineMap[T] extends { runToSink(...args: never[]): Promise<infer R> } ? R : never;

/**
 * One item's result, derived from the task's pipeline (src/pipelines/registry.ts): what its `run`
 * (or `runToSink`, when `medinfer run` streams an output to its file) resolves to, plus the loaded
 * input volume overlays are drawn on for image tasks (a pipeline whose `run` takes text has no
 * input volume). For registration `input` is the fixed image (the grid of the outputs). A new
 * task needs no line here.
 */
export type ItemResultMap = {
  [T in TaskName]: { readonly result: TaskResult<T> | SinkResult<T> } & (Parameters<PipelineMap[T]['run']>[0] extends string
    ? unknown
    : { readonly input: Volume });
};

/** A union discriminated by `task` (evaluators narrow on it). */
export type ItemResult<T extends TaskName = TaskName> = { [K in T]: { readonly task: K } & ItemResultMap[K] }[T];

export interface InferOptions extends LoadOptions {
  /** Classification: occlusion maps for the positive labels (else the top one). */
  readonly explain?: boolean;
  /** Classification without explain: runs a checked volume (e.g. through a micro-batcher). */
  readonly classify?: (volume: Volume) => Promise<ClassificationResult>;
  /**
   * `medinfer run` / queue workers: the folder the item's outputs go to. A task that can write an
   * output while it is made (segmentation's label map, runToSink) writes it there itself, whole
   * or not at all; `eval` gives none and gets results in memory.
   */
  readonly outputDir?: string;
  /** Segmentation: a sliding-window progress callback for one input (by its id), if wanted. */
  readonly windowProgress?: (itemId: string) => ((done: number, total: number) => void) | undefined;
}

/** What an evaluator collects per case and reports at the end. */
export interface EvalTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface EvalMetrics {
  /** Headline numbers (e.g. meanAuc, cpm, meanDice, treMeanMm, macroF1). */
  readonly summary: Readonly<Record<string, number | null>>;
  /** Per-label / per-operating-point rows for the text table. */
  readonly table: EvalTable;
  /** Everything else worth keeping in --json (per-label details, curves). */
  readonly details: unknown;
}

export interface Evaluator {
  /** Checks the data's columns before any inference (a wrong file is a usage error, exit 2). */
  readonly check?: (items: readonly BatchItem[]) => void;
  add(item: BatchItem, result: ItemResult): Promise<void>;
  finish(): EvalMetrics;
}

/** `medinfer eval --data` resolved: the path, and the list CSV when the cases come from one. */
export interface EvalData {
  readonly path: string;
  readonly isDirectory: boolean;
  /** The labels CSV (cases 'csv'); undefined for cases 'folder'. */
  readonly list: string | undefined;
  /** Detection: --annotations / --excluded, resolved against the working folder. */
  readonly annotations?: string;
  readonly excluded?: string;
}

export interface CliEvaluation {
  /**
   * 'csv': the cases and their labels are rows of a CSV (--data names it, or a folder holding one);
   * 'folder': every input of the folder (--data, or the folder of the file it names) is a case
   * and the references are read by the evaluator.
   */
  readonly cases: 'csv' | 'folder';
  /** `medinfer eval --help`: the metrics and what --data holds, one string per line. */
  readonly usage: readonly string[];
  evaluator(entry: ModelEntry, data: EvalData): Promise<Evaluator>;
}

export interface CliDemoSection {
  /** For the demo's log lines, e.g. 'detection (2D)'. */
  readonly name: string;
  run(ctx: DemoContext): Promise<DemoSection>;
}

/** One study's selected series, read, for `medinfer dicomweb run`. */
export interface DicomWebInput {
  /** By model input name (undefined for single-input models), in `selected` order. */
  readonly volumes: ReadonlyMap<string | undefined, Volume>;
  readonly selected: readonly SelectedSeries[];
  readonly log: (line: string) => void;
  readonly progress?: FlowProgress;
}

export interface DicomWebReportContext {
  readonly entry: ModelEntry;
  readonly source: DicomSourceSeries;
  /** Grid the result's voxel indices are on (the first selected series). */
  readonly grid: Volume;
  /** The stored SEG's segments (segment number = index + 1), when one was stored. */
  readonly segments?: readonly SegmentDescription[];
  /** Detections below this score are left out (default: all the model reports). */
  readonly minScore?: number;
}

/** What `medinfer dicomweb run` does for a task: run the model, then store a SEG and / or an SR. */
export interface CliDicomWeb<T extends TaskName> {
  run(pipe: PipelineMap[T], input: DicomWebInput): Promise<TaskResult<T>>;
  /** The label map stored as a DICOM SEG, for tasks that store one. */
  segLabels?(result: TaskResult<T>): Volume;
  /** The SR's content (an empty result stores no SR). */
  findings(result: TaskResult<T>, ctx: DicomWebReportContext): SrFindings;
}

/**
 * Methods (not function-typed properties) on purpose: the registry hands out CliTask<TaskName>
 * for a name known only at run time, and method parameters stay assignable across the union.
 */
export interface CliTask<T extends TaskName = TaskName> {
  readonly name: T;
  /** Without `dimensionality` in the entry: a 3D task reads DICOM folders as series. */
  readonly volumetric: boolean;
  /** What one item is (one image, named images, a fixed / moving pair, a text). */
  collector(entry: ModelEntry): ItemCollector;
  /** Loads one item's inputs and runs the pipeline; a wrong kind of item is an InputError. */
  infer(pipe: PipelineMap[T], item: BatchItem, options: InferOptions): Promise<ItemResult<T>>;
  /** The files written for one item and its results.jsonl summary. */
  outputs(item: BatchItem, result: ItemResult<T>): Promise<TaskOutputs>;
  /** Run-wide tables besides results.csv, rebuilt from every results line at the end of a run. */
  aggregate?(outputDir: string, lines: readonly ResultLine[]): Promise<void>;
  /** Inputs in flight together run as one tensor batch (`classify` in InferOptions), where it pays. */
  batcher?(pipe: PipelineMap[T], o: { readonly explain: boolean; readonly workers: number }): MicroBatcher | undefined;
  readonly evaluation: CliEvaluation;
  /** Sections of `medinfer demo` (an empty list: the task has no demo). */
  readonly demo: readonly CliDemoSection[];
  /** null: `medinfer dicomweb run` refuses the task (a UsageError naming the tasks it stores). */
  readonly dicomweb: CliDicomWeb<T> | null;
}
