/**
 * Classification pipeline: 2D radiographs (DICOM, PNG, JPEG, or a Volume) through the model's
 * declared preprocessing, a batched session run, and its declared score steps (sigmoid,
 * softmax, TorchXRayVision op_norm, thresholds, top-k). Inputs whose tensors share a shape run
 * as one tensor batch (up to the manifest's inference.batch).
 */
import { InputError } from '../core/errors.js';
import { SampleScratch, type SampleLease } from '../core/sample-scratch.js';
import type { Volume } from '../core/volume.js';
import { labelNames } from '../manifest/load.js';
import type { ModelEntry } from '../manifest/types.js';
import { toLabelScores, type LabelScore } from '../postprocess/classification/label-scores.js';
import { runPreprocessPlan, type PreprocessResult } from '../preprocess/run-plan.js';
import type { ModelTensor } from '../core/tensor.js';
import { concatTensors } from './batch.js';
import { createProvenance, handleFields, inputName, openModelHandle, outputByName, runSingleInput, type ModelHandle } from './model-handle.js';
import { assertFiniteInput } from './model-inputs.js';
import { compileScoreSteps, type ScoreSteps } from './score-steps.js';
import { computeOcclusionMap, type OcclusionOptions, type OcclusionMap } from './occlusion.js';
import { selectInputVolume } from './select-volume.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';
import { TASK_POSTPROCESS_OPS } from '../manifest/task-ops.js';
import { defineTask } from './task-definition.js';

export interface ClassificationResult {
  readonly labels: LabelScore[];
  /** Raw model outputs (logits) for this input, before the score steps. */
  readonly logits: Float32Array;
  readonly provenance: Provenance;
  /** Occlusion-sensitivity maps per label, on the input grid, when asked for. */
  readonly explanation?: OcclusionMap;
}

export interface ClassificationRunOptions {
  readonly explain?: OcclusionOptions;
  /** Which volume of a multi-volume input (4D DICOM) to classify, 0-based; required for those (see select-volume.ts). */
  readonly volume?: number;
}

export interface ClassificationPipeline extends PipelineBase {
  readonly task: 'classification';
  run(input: ImageInput, options?: ClassificationRunOptions): Promise<ClassificationResult>;
  runBatch(inputs: readonly ImageInput[]): Promise<ClassificationResult[]>;
}

/** Loads and checks a radiograph: 2D, and of a modality the model accepts when the file says. */
export function checkImageInput(volume: Volume, entry: ModelEntry, name: string): void {
  if (entry.dimensionality === 2 && volume.geometry.size[2] !== 1) {
    throw new InputError(`model '${entry.id}' takes 2D images; ${name} is a ${volume.geometry.size.join('x')} volume`, { file: name, modelId: entry.id });
  }
  const modality = volume.meta.modality;
  if (entry.modality && modality && modality !== 'OT' && !entry.modality.includes(modality)) {
    throw new InputError(`model '${entry.id}' expects ${entry.modality.join('/')} images; ${name} is ${modality}`, {
      file: name,
      modelId: entry.id,
      expected: entry.modality,
      actual: modality,
    });
  }
}

async function prepare(
  handle: ModelHandle,
  input: ImageInput,
  volumeIndex?: number,
  lease?: SampleLease,
): Promise<{ name: string; volume: Volume; pre: PreprocessResult }> {
  const name = inputName(input);
  const loaded = await handle.context.loadVolume(input, lease === undefined ? {} : { allocateSamples: lease.allocate, allocateBytes: lease.allocateBytes });
  const volume = assertFiniteInput(selectInputVolume(loaded, volumeIndex, name), name);
  checkImageInput(volume, handle.entry, name);
  return { name, volume, pre: runPreprocessPlan(volume, handle.entry.preprocess, handle.entry.space ? { space: handle.entry.space } : {}) };
}

function splitLogits(handle: ModelHandle, outputs: Awaited<ReturnType<typeof runSingleInput>>, count: number): Float32Array[] {
  const out = outputByName(outputs, handle);
  const data = out.data as Float32Array;
  const per = data.length / count;
  return Array.from({ length: count }, (_, i) => data.slice(i * per, (i + 1) * per));
}

export async function createClassificationPipeline(context: PipelineContext, model: string | ModelEntry): Promise<ClassificationPipeline> {
  const handle = await openModelHandle(context, model, 'classification');
  const names = labelNames(handle.entry);
  const steps: ScoreSteps = compileScoreSteps(handle.entry.postprocess, handle.entry.id, handle.entry.thresholds);
  const maxBatch = handle.entry.inference.batch ?? 8;
  // The samples of each image read from a file, reused from image to image (core/sample-scratch.ts):
  // results hold no view of them (logits are copied out of the session's output, scores and
  // occlusion maps are new arrays), so each run releases the buffer when its result is built.
  const scratch = new SampleScratch();

  const finish = (logits: Float32Array, records: PreprocessResult['records'], name: string, started: number): ClassificationResult => ({
    labels: toLabelScores(steps.apply(logits), names, steps.labelOptions),
    logits,
    provenance: createProvenance(handle, [records], [name], started),
  });

  async function runBatch(inputs: readonly ImageInput[]): Promise<ClassificationResult[]> {
    const started = Date.now();
    const lease = scratch.lease();
    try {
      return await runBatchWith(inputs, started, lease);
    } finally {
      lease.release();
    }
  }

  /** runBatch; `lease` serves the first image read (the others' samples stay alive until the batch ran). */
  async function runBatchWith(inputs: readonly ImageInput[], started: number, lease: SampleLease): Promise<ClassificationResult[]> {
    const prepared: Awaited<ReturnType<typeof prepare>>[] = [];
    for (const input of inputs) prepared.push(await prepare(handle, input, undefined, lease));
    const results: ClassificationResult[] = new Array(prepared.length);
    // Group by tensor shape so one session.run serves many images (shapes differ e.g. for letterbox).
    const groups = new Map<string, number[]>();
    prepared.forEach((p, i) => {
      const key = p.pre.tensor.dims.join('x');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const indices of groups.values()) {
      for (let s = 0; s < indices.length; s += maxBatch) {
        const chunk = indices.slice(s, s + maxBatch);
        const tensor: ModelTensor = concatTensors(chunk.map((i) => prepared[i]!.pre.tensor));
        const logits = splitLogits(handle, await runSingleInput(handle, tensor), chunk.length);
        chunk.forEach((i, k) => (results[i] = finish(logits[k]!, prepared[i]!.pre.records, prepared[i]!.name, started)));
      }
    }
    return results;
  }

  return {
    task: 'classification',
    ...handleFields(handle),
    async dispose() {
      scratch.clear();
      await handle.session.dispose();
    },
    runBatch,
    async run(input, options = {}) {
      const started = Date.now();
      const lease = scratch.lease();
      try {
        const p = await prepare(handle, input, options.volume, lease);
        const logits = splitLogits(handle, await runSingleInput(handle, p.pre.tensor), 1)[0]!;
        const result = finish(logits, p.pre.records, p.name, started);
        if (!options.explain) return result;
        const explanation = await computeOcclusionMap(p.volume, handle, steps, names, options.explain);
        return { ...result, explanation };
      } finally {
        lease.release();
      }
    },
  };
}

export const classificationTask = defineTask({
  name: 'classification',
  postprocessOps: TASK_POSTPROCESS_OPS.classification,
  create: createClassificationPipeline,
});
