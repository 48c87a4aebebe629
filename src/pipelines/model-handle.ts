/**
 * The model side of a pipeline: opens the manifest entry's session (cached), runs tensors
 * through it, and stamps provenance on results.
 */
import { InputError, ManifestError } from '../core/errors.js';
import type { ModelTensor, TensorMap } from '../core/tensor.js';
import type { Volume } from '../core/volume.js';
import { getModelEntry, validateEntryPlans } from '../manifest/load.js';
import type { ModelEntry, TaskName } from '../manifest/types.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import { openModel } from '../runtime/open-model.js';
import type { ModelSession } from '../runtime/model-session.js';
import { SDK_VERSION } from '../version.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';

export interface ModelHandle {
  readonly entry: ModelEntry;
  readonly session: ModelSession;
  readonly context: PipelineContext;
}

/**
 * The entry by id, or a hand-made entry object, checked for this task. Plans of a loaded
 * manifest were validated at load and pass through (no second check); a hand-made entry's plans
 * are validated here, once, and the entry used from then on holds the typed plans.
 */
export function resolveEntry(context: PipelineContext, model: string | ModelEntry, task: TaskName): ModelEntry {
  const entry = typeof model === 'string' ? getModelEntry(context.manifest, model) : model;
  if (entry.task !== task) {
    throw new ManifestError(`model '${entry.id}' is a ${entry.task} model, not ${task}; use createPipeline('${entry.task}', '${entry.id}')`, {
      modelId: entry.id,
      expected: task,
      actual: entry.task,
    });
  }
  const checked = validateEntryPlans(entry);
  return checked.preprocess === entry.preprocess && checked.postprocess === entry.postprocess ? entry : checked;
}

/** `sessionOptions`: what a pipeline sets for this use of the model (e.g. a pre-model's arena). */
export async function openModelHandle(
  context: PipelineContext,
  model: string | ModelEntry,
  task: TaskName,
  sessionOptions: { readonly memoryArena?: boolean } = {},
): Promise<ModelHandle> {
  const entry = resolveEntry(context, model, task);
  const settings = {
    ...sessionOptions,
    cache: context.cache,
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(context.allowFallback !== undefined ? { allowFallback: context.allowFallback } : {}),
    ...(context.threads !== undefined ? { threads: context.threads } : {}),
    // Sliding windows: no memory-pattern block sized for a whole window's activations kept
    // beside the volume-sized buffers (less memory and no slower: see BackendSessionOptions).
    ...(entry.inference.mode === 'slidingWindow' ? { memoryPattern: false } : {}),
    // Browsers: a model too small for wasm threads to pay says so (ARCHITECTURE.md, "wasm threads").
    ...(entry.inference.maxWasmThreads !== undefined ? { maxWasmThreads: entry.inference.maxWasmThreads } : {}),
    // ... and a model large enough for threads to pay asks for more than the small machines' default.
    ...(entry.inference.minWasmThreads !== undefined ? { minWasmThreads: entry.inference.minWasmThreads } : {}),
  };
  const session = await openModel(context.backend, context.manifest, entry, settings);
  return { entry, session, context };
}

/** What a one-model pipeline takes from its handle: the entry, the provider report, and dispose. */
export function handleFields(handle: ModelHandle): Omit<PipelineBase, 'task'> {
  return { entry: handle.entry, provider: handle.session.provider, dispose: () => handle.session.dispose() };
}

/** Runs the model on one tensor for its (single) image input; returns outputs by name. */
export async function runSingleInput(handle: ModelHandle, tensor: ModelTensor): Promise<TensorMap> {
  const name = handle.entry.io.inputs[0]!.name;
  return handle.session.run({ [name]: tensor });
}

export function outputByName(outputs: TensorMap, handle: ModelHandle, index = 0): ModelTensor {
  const name = handle.entry.io.outputs[index]!.name;
  const t = outputs[name];
  if (!t) throw new InputError(`model '${handle.entry.id}' returned no output '${name}'`, { modelId: handle.entry.id });
  return t;
}

export function inputName(input: ImageInput): string {
  if (typeof input === 'string') return input.split(/[\\/]/).pop() ?? input;
  if (input instanceof Uint8Array) return 'bytes';
  if ('bytes' in input && 'name' in input && !('geometry' in input)) return input.name;
  // A DICOMweb series is named by its UID: never the URL (it may hold credentials) or patient data.
  if ('dicomweb' in input) return `dicomweb series ${input.dicomweb.series}`;
  return (input as Volume).meta.source ?? 'memory';
}

export function createProvenance(
  handle: ModelHandle,
  records: readonly (readonly PreprocessRecord[])[],
  inputs: readonly string[],
  started: number,
  timing?: { inferenceMs: number },
): Provenance {
  return {
    modelId: handle.entry.id,
    task: handle.entry.task,
    sha256: handle.session.sha256,
    sdkVersion: SDK_VERSION,
    provider: handle.session.provider,
    preprocessing: records,
    inputs,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    ...(timing ? { inferenceMs: Math.round(timing.inferenceMs * 1000) / 1000 } : {}),
  };
}
