/**
 * Manifest loading: JSON Schema validation (ajv), then cross-checks the schema cannot express
 * (dataset references, file rules per weights kind, step parameters by the preprocess /
 * postprocess validators, whose typed plans the entries keep, and postprocess ops the entry's
 * task runs: task-ops.ts).
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ManifestError } from '../core/errors.js';
import { MANIFEST_SCHEMA } from './schema.js';
import { validatePreprocessPlan } from '../preprocess/validate-plan.js';
import { validatePostprocessPlan } from '../postprocess/plan/ops.js';
import type { PreprocessStep } from '../preprocess/types.js';
import type { PostprocessStep } from '../postprocess/plan/ops.js';
import { postprocessOfTask } from './task-ops.js';
import type { DatasetEntry, Manifest, ModelEntry, TaskName } from './types.js';

/**
 * An extra check of an entry's validated plan (tests, stricter deployments); runs after the
 * module validator. Throws ManifestError naming step index, op and field.
 */
export type StepValidator = (steps: readonly (PreprocessStep | PostprocessStep)[], context: { modelId: string; list: 'preprocess' | 'postprocess' }) => void;

export interface ManifestLoadOptions {
  /** Directory or base URL that relative file paths resolve from. */
  readonly base?: string;
  /** Runs after the preprocess module's validator, on its typed steps. */
  readonly validatePreprocess?: StepValidator;
  /** Runs after the postprocess module's validator, on its typed steps. */
  readonly validatePostprocess?: StepValidator;
}

/** Runs a module validator and prefixes its message with the model and list it concerns. */
function inList<T>(modelId: string, list: 'preprocess' | 'postprocess', validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof ManifestError)
      throw new ManifestError(`model '${modelId}' ${list}: ${error.message}`, { ...error.details, modelId, list }, { cause: error });
    throw error;
  }
}

/**
 * The entry with typed plans: steps validated by their modules (once: a plan already validated
 * is kept as it is) and every postprocess op one that the entry's task runs. For entries of a
 * manifest file (parseManifest) and hand-made entries given to createPipeline.
 */
export function validateEntryPlans<
  E extends { readonly id: string; readonly task: TaskName; readonly preprocess: readonly unknown[]; readonly postprocess: readonly unknown[] },
>(
  entry: E,
  options: Pick<ManifestLoadOptions, 'validatePreprocess' | 'validatePostprocess'> = {},
): Omit<E, 'preprocess' | 'postprocess'> & { readonly preprocess: readonly PreprocessStep[]; readonly postprocess: readonly PostprocessStep[] } {
  const preprocess = inList(entry.id, 'preprocess', () => validatePreprocessPlan(entry.preprocess));
  const postprocess = inList(entry.id, 'postprocess', () => validatePostprocessPlan(entry.postprocess));
  options.validatePreprocess?.(preprocess, { modelId: entry.id, list: 'preprocess' });
  options.validatePostprocess?.(postprocess, { modelId: entry.id, list: 'postprocess' });
  postprocessOfTask(entry.task, { id: entry.id, postprocess });
  return { ...entry, preprocess, postprocess };
}

let compiled: ReturnType<Ajv['compile']> | undefined;

function schemaValidator(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(MANIFEST_SCHEMA);
  return compiled;
}

function formatAjvErrors(errors: readonly ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map(
      (e) =>
        `${e.instancePath || '/'} ` +
        `${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`,
    )
    .join('; ');
}

/** Validates parsed JSON and returns the typed manifest (ids copied into each entry). */
export function parseManifest(json: unknown, options: ManifestLoadOptions = {}): Manifest {
  const validate = schemaValidator();
  if (!validate(json)) {
    throw new ManifestError(`manifest does not match its schema: ${formatAjvErrors(validate.errors ?? [])}`, { errors: validate.errors ?? [] });
  }
  // Steps are still unchecked JSON here: validateEntryPlans turns them into typed plans.
  const raw = json as {
    manifestVersion: 1;
    datasets: Record<string, Omit<DatasetEntry, 'id'>>;
    models: Record<string, Omit<ModelEntry, 'id' | 'preprocess' | 'postprocess'> & { preprocess: unknown[]; postprocess: unknown[] }>;
  };
  const datasets: Record<string, DatasetEntry> = {};
  for (const [id, d] of Object.entries(raw.datasets)) datasets[id] = { id, ...d };
  const models: Record<string, ModelEntry> = {};
  for (const [id, m] of Object.entries(raw.models)) {
    checkModelEntry({ id, ...m }, datasets);
    models[id] = validateEntryPlans({ id, ...m }, options);
  }
  for (const entry of Object.values(models)) checkPreModel(entry, models);
  const manifest: Manifest = { manifestVersion: 1, datasets, models, ...(options.base !== undefined ? { base: options.base } : {}) };
  return manifest;
}

function checkModelEntry(m: Omit<ModelEntry, 'preprocess' | 'postprocess'>, datasets: Record<string, DatasetEntry>): void {
  for (const d of m.datasets) {
    if (!datasets[d])
      throw new ManifestError(`model '${m.id}': dataset '${d}' is not in the manifest's dataset catalogue`, { modelId: m.id, field: 'datasets', received: d });
  }
  const modelFiles = m.files.filter((f) => f.role === 'model');
  if (modelFiles.length !== 1)
    throw new ManifestError(`model '${m.id}': needs exactly one file with role 'model', found ${modelFiles.length}`, { modelId: m.id, field: 'files' });
  for (const f of m.files) {
    if (f.path === undefined && f.url === undefined)
      throw new ManifestError(`model '${m.id}': file with role '${f.role}' has neither path nor url`, { modelId: m.id, field: 'files' });
    // Bundled and user-store files were hashed when they were made or added: the sha256 is what makes them verifiable.
    if ((m.weights.kind === 'bundled' || m.weights.kind === 'user') && f.sha256 === undefined)
      throw new ManifestError(`model '${m.id}': ${m.weights.kind} file ${f.path ?? f.url} has no sha256`, { modelId: m.id, field: 'files.sha256' });
    if (f.path !== undefined && (f.path.startsWith('/') || f.path.split(/[\\/]/).includes('..'))) {
      throw new ManifestError(`model '${m.id}': file path '${f.path}' must be relative to the manifest and stay inside it`, {
        modelId: m.id,
        field: 'files.path',
      });
    }
  }
  if (m.weights.kind === 'external' && (m.weights.source === undefined || m.weights.convertScript === undefined)) {
    throw new ManifestError(`model '${m.id}': external weights need 'source' (where to get the checkpoint) and 'convertScript'`, {
      modelId: m.id,
      field: 'weights',
    });
  }
  if (m.thresholds !== undefined && m.thresholds.length !== m.labels.length) {
    throw new ManifestError(`model '${m.id}': ${m.thresholds.length} thresholds for ${m.labels.length} labels`, { modelId: m.id, field: 'thresholds' });
  }
  const { minWasmThreads: min, maxWasmThreads: max } = m.inference;
  if (min !== undefined && max !== undefined && min > max)
    throw new ManifestError(`model '${m.id}': inference.minWasmThreads ${min} is above inference.maxWasmThreads ${max}`, {
      modelId: m.id,
      field: 'inference.minWasmThreads',
      received: min,
    });
}

/** A pre-model is a segmentation entry of the same manifest without a pre-model of its own. */
function checkPreModel(m: ModelEntry, models: Readonly<Record<string, ModelEntry>>): void {
  const ref = m.preModel;
  const usesMask = m.preprocess.some((s) => s.op === 'cropForeground' && s.mask === 'preModel');
  if (ref === undefined) {
    if (usesMask) throw new ManifestError(`model '${m.id}': cropForeground {mask: "preModel"} needs a "preModel" entry`, { modelId: m.id, field: 'preModel' });
    return;
  }
  const pre = models[ref.id];
  if (m.task !== 'segmentation')
    throw new ManifestError(`model '${m.id}': "preModel" is for segmentation entries, this one is ${m.task}`, { modelId: m.id, field: 'preModel' });
  if (pre === undefined)
    throw new ManifestError(`model '${m.id}': preModel '${ref.id}' is not in the manifest`, { modelId: m.id, field: 'preModel.id', received: ref.id });
  if (pre.task !== 'segmentation' || pre.preModel !== undefined || pre.id === m.id) {
    throw new ManifestError(`model '${m.id}': preModel '${ref.id}' must be a segmentation entry without a pre-model of its own`, {
      modelId: m.id,
      field: 'preModel.id',
      received: ref.id,
    });
  }
  const ops = new Set<string>([...pre.preprocess, ...pre.postprocess].map((s) => s.op));
  for (const op of ref.skip ?? []) {
    if (!ops.has(op))
      throw new ManifestError(`model '${m.id}': preModel.skip names '${op}', which '${ref.id}' does not have`, {
        modelId: m.id,
        field: 'preModel.skip',
        received: op,
      });
  }
  if (!usesMask)
    throw new ManifestError(`model '${m.id}': has a preModel but no cropForeground {mask: "preModel"} step uses it`, { modelId: m.id, field: 'preModel' });
}

export function getModelEntry(manifest: Manifest, modelId: string): ModelEntry {
  const entry = manifest.models[modelId];
  if (!entry) {
    const known = Object.keys(manifest.models).join(', ');
    throw new ManifestError(`unknown model '${modelId}' (known: ${known})`, { modelId, field: 'models' });
  }
  return entry;
}

export function getModelFile(entry: ModelEntry, role: 'model' | 'vocab' | 'labels' | 'config' = 'model') {
  const file = entry.files.find((f) => f.role === role);
  if (!file) throw new ManifestError(`model '${entry.id}' has no file with role '${role}'`, { modelId: entry.id, field: 'files' });
  return file;
}

/** Label names in output order (objects give their `name`). */
export function labelNames(entry: ModelEntry): string[] {
  return entry.labels.map((l) => (typeof l === 'string' ? l : l.name));
}
