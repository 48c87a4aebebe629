/**
 * runPreprocessPlan: runs validated steps in order, from the caller's Volume (or named Volumes
 * for multi-modal models) to the model input tensor, keeping every step's record so outputs can
 * be mapped back (invertToInputGrid, mapPointsToInput). Intermediate volumes are dropped as soon
 * as the next step has run, so peak memory is one step's input plus its output.
 */
import { UsageError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { conformVolume } from './conform.js';
import { cropForegroundVolume, planCropForeground } from './crop-foreground.js';
import { cropPadVolume } from './crop-pad.js';
import { convertToGreyscale } from './greyscale.js';
import { invertMonochrome1 } from './invert-monochrome1.js';
import { letterboxImage } from './letterbox.js';
import { normalizeMeanStd } from './normalize-mean-std.js';
import { normalizeMinMax, normalizeQuantile, planIntensityTable } from './normalize-range.js';
import { orientVolume } from './orient.js';
import { clipPercentiles } from './percentile-clip.js';
import { resampleVolume } from './resample.js';
import { resizeVolume } from './resize.js';
import { scaleIntensityRange } from './scale-intensity-range.js';
import { scaleIntensity } from './scale-intensity.js';
import { stackChannels } from './stack-channels.js';
import type { DeferredTensorView, ModelTensor } from '../core/tensor.js';
import { deferrableZscore, deferStackedZscore, deferZscore, type DeferredPlan } from './deferred-zscore.js';
import { createPlanarVolume } from './planar.js';
import { convertToRgb } from './to-rgb.js';
import { convertBoxToTensor, convertToTensor } from './to-tensor.js';
import { commutesWithAffine, prepareDeferral } from './defer-intensity.js';
import type { PreprocessRecord, PreprocessStep, StepOptions, StepResult, ToTensorParams } from './types.js';
import { validatePreprocessPlan } from './validate-plan.js';
import { checkModelSpace, type ModelSpace } from './model-space.js';
import { applyWindow } from './window.js';
import { normalizeXrv } from './xrv-normalize.js';
import { normalizeZscore } from './zscore.js';

export interface PreprocessResult {
  /** May share its buffer with `volume.data` (float32, stored axis order): no extra copy. */
  /** toTensor's output: float32, or float16 as half bits (the step's `dtype`). */
  readonly tensor: ModelTensor<'float32' | 'float16'>;
  /** One record per step, in order (the last is toTensor's). */
  readonly records: PreprocessRecord[];
  /**
   * The preprocessed volume the tensor was made from (planar channels, model grid). After a fused
   * cropForeground + toTensor it is cropped on first access (the tensor was copied without it).
   */
  readonly volume: Volume;
  /**
   * With `view`, when the plan ends in a zscore of integer data deferred into the windows
   * (deferred-zscore.ts): the tensor as a DeferredTensorView. `tensor` and `volume` are then
   * made on first access (a float32 copy): a sliding window reads this instead.
   */
  readonly deferred?: DeferredTensorView;
}

export interface RunPreprocessOptions {
  /**
   * Run pointwise affine intensity steps after directly following resampling / cropping steps
   * when that is mathematically equivalent (see defer-intensity.ts). Default true; records stay
   * in declared order. Set false to evaluate strictly in declared order. Also lets a cropForeground
   * directly before toTensor copy its box straight into the tensor (same values, one copy fewer).
   */
  readonly fuse?: boolean;
  /**
   * Let toTensor return a strided view of the float32 volume (`tensor.strides`) instead of a
   * transposed copy when it only reorders axes. For consumers that window the tensor themselves
   * (sliding-window inference); everything else needs the default contiguous tensor.
   */
  readonly view?: boolean;
  /** Tensor layout when the plan has no toTensor step (default: NCHW for one slice, else NCDHW). */
  readonly defaultTensor?: Partial<ToTensorParams>;
  /** cropForeground {mask: 'preModel'}: the pre-model's labels on the grid that step sees. */
  readonly preModelLabels?: Volume;
  /**
   * The space the model was trained in (the manifest entry's `space`): the grid the plan ends
   * on must have this orientation and spacing, else a typed error (checkModelSpace).
   */
  readonly space?: ModelSpace;
  /** Ops of the plan not run (a pre-model run for another entry: brainchop runs it uncropped). */
  readonly skip?: readonly string[];
}

/** Runs one non-terminal step. */
export function runPreprocessStep(volume: Volume, step: PreprocessStep, options: StepOptions = {}): StepResult {
  switch (step.op) {
    case 'orient':
      return orientVolume(volume, step);
    case 'resample':
      return resampleVolume(volume, step);
    case 'resize':
      return resizeVolume(volume, step, options);
    case 'cropPad':
      return cropPadVolume(volume, step);
    case 'letterbox':
      return letterboxImage(volume, step);
    case 'window':
      return applyWindow(volume, step, options);
    case 'scaleIntensityRange':
      return scaleIntensityRange(volume, step, options);
    case 'scaleIntensity':
      return scaleIntensity(volume, step, options);
    case 'zscore':
      return normalizeZscore(volume, step, options);
    case 'percentileClip':
      return clipPercentiles(volume, step);
    case 'normalizeMeanStd':
      return normalizeMeanStd(volume, step, options);
    case 'xrvNormalize':
      return normalizeXrv(volume, step);
    case 'invertMonochrome1':
      return invertMonochrome1(volume, {});
    case 'greyscale':
      return convertToGreyscale(volume, step);
    case 'toRgb':
      return convertToRgb(volume, {});
    case 'toTensor':
      return convertToTensor(volume, step, options);
    case 'conform':
      return conformVolume(volume, step);
    case 'normalizeMinMax':
      return normalizeMinMax(volume, step, options);
    case 'normalizeQuantile':
      return normalizeQuantile(volume, step, options);
    case 'cropForeground':
      return cropForegroundVolume(volume, step, options);
    case 'stackChannels':
      throw new UsageError('stackChannels needs named inputs: run it through runPreprocessPlan', { op: step.op });
  }
}

const NO_INPUTS: Readonly<Record<string, Volume>> = Object.freeze({});

function isVolume(value: unknown): value is Volume {
  return typeof value === 'object' && value !== null && 'geometry' in value && 'data' in value;
}

/**
 * `steps`: a validated plan (a loaded manifest entry's `preprocess`, or what validatePreprocessPlan
 * returned) runs as it is, without another check; any other array (hand-written steps) is
 * validated first, so a step is never run unchecked.
 */
export function runPreprocessPlan(
  inputs: Volume | Readonly<Record<string, Volume>>,
  steps: readonly PreprocessStep[] | readonly unknown[],
  options: RunPreprocessOptions = {},
): PreprocessResult {
  const plan = validatePreprocessPlan(steps);
  const records: PreprocessRecord[] = [];
  let volume: Volume;
  let rest = plan;
  const first = plan[0];
  // Sliding windows can read the inputs' channels without the stack (deferred-zscore.ts). A whole
  // tensor in stored order is made from the same view in one pass: no stacked copy, no float32
  // copy before the crops (a 4x240x240x155 BraTS stack padded to 160 slices made three).
  const deferral = options.fuse === false ? null : options.view === true ? 'view' : 'whole';
  const finish = (d: DeferredPlan): PreprocessResult => (deferral === 'view' ? deferredResult(d) : materialised(d));
  const unstacked =
    first?.op === 'stackChannels' && !isVolume(inputs) && deferral !== null && options.skip === undefined
      ? deferStackedZscore(inputs, plan, options.space, deferral === 'whole')
      : null;
  if (unstacked !== null) return finish(unstacked);
  if (first?.op === 'stackChannels') {
    if (isVolume(inputs)) throw new UsageError('the plan starts with stackChannels: pass named volumes, e.g. { t1: ..., flair: ... }', { op: 'stackChannels' });
    const r = stackChannels(inputs, first);
    volume = r.volume;
    records.push(r.record);
    rest = plan.slice(1);
  } else if (isVolume(inputs)) {
    volume = inputs;
  } else {
    const names = Object.keys(inputs);
    if (names.length !== 1) throw new UsageError(`${names.length} named inputs given but the plan has no stackChannels step`, { inputs: names });
    volume = inputs[names[0]!]!;
  }
  // Buffers the caller handed in are never written; intermediates this runner created are, when
  // a pointwise step can reuse them (one full copy fewer per step). Weakly held, and the inputs
  // let go: a caller that handed over its only reference (the segmentation pipeline) gets the
  // read volumes freed once stacked (0.6 GB for four 512x512x300 int16 inputs).
  const callerBuffers = new WeakSet<ArrayBufferLike>((isVolume(inputs) ? [inputs] : Object.values(inputs)).map((v) => v.data.buffer));
  inputs = NO_INPUTS;
  const owned = (v: Volume): StepOptions => ({
    inPlace: !callerBuffers.has(v.data.buffer),
    ...(options.view === true ? { view: true } : {}),
    ...(options.preModelLabels !== undefined ? { preModelLabels: options.preModelLabels } : {}),
  });
  if (options.skip !== undefined) rest = rest.filter((s) => !options.skip!.includes(s.op));
  let tensor: ModelTensor<'float32' | 'float16'> | undefined;
  // Set when the last two steps ran fused: its `volume` is made on demand.
  let result: { readonly volume: Volume } | undefined;
  for (let i = 0; i < rest.length; i++) {
    const step = rest[i]!;
    if (step.op === 'toTensor') {
      if (options.space !== undefined) checkModelSpace(volume, options.space);
      const r = convertToTensor(volume, step, owned(volume));
      tensor = r.tensor;
      volume = r.volume;
      records.push(r.record);
      continue;
    }
    const deferSteps = deferral !== null ? deferrableZscore(rest, i, volume, deferral === 'whole') : 0;
    if (deferSteps > 0) return finish(deferZscore(volume, rest, i, deferSteps, records, options.space));
    const next = rest[i + 1];
    const after = rest[i + 2];
    if (
      (step.op === 'normalizeMinMax' || step.op === 'normalizeQuantile') &&
      next?.op === 'cropForeground' &&
      after?.op === 'toTensor' &&
      options.fuse !== false &&
      options.view !== true
    ) {
      // brainchop's plan on conform's uint8: normalise, crop and transpose in one copy of the box
      // (the normalisation as a per-value table; same values, records and errors as step by step).
      const values = planIntensityTable(volume, step);
      const plan = values === null ? null : planCropForeground(volume, next, owned(volume), values);
      const fused = values === null || plan === null ? null : convertBoxToTensor(volume, plan.start, plan.record.outputGeometry, after, values);
      if (fused !== null) {
        if (options.space !== undefined) checkModelSpace(volume, options.space); // intensities and a crop keep axes and spacing
        records.push(values!.record, plan!.record, fused.record);
        tensor = fused.tensor;
        result = fused;
        i += 2;
        continue;
      }
    }
    if (step.op === 'cropForeground' && next?.op === 'toTensor' && options.fuse !== false && options.view !== true) {
      // Crop and transpose in one copy (convertBoxToTensor); same tensor as the two steps.
      const plan = planCropForeground(volume, step, owned(volume));
      const fused = plan.whole ? null : convertBoxToTensor(volume, plan.start, plan.record.outputGeometry, next);
      if (fused !== null) {
        if (options.space !== undefined) checkModelSpace(volume, options.space); // a crop keeps axes and spacing
        records.push(plan.record, fused.record);
        tensor = fused.tensor;
        result = fused;
        i++;
        continue;
      }
    }
    const deferred = options.fuse !== false && commutesWithAffine(rest[i + 1], volume) ? prepareDeferral(step, volume) : null;
    if (deferred !== null) {
      const declared = volume.geometry;
      const moved: PreprocessRecord[] = [];
      while (commutesWithAffine(rest[i + 1], volume)) {
        i++;
        // A resize reading the deferred step's own input can gather its range check on the way.
        const probe = deferred.probe !== undefined && deferred.probe.data === volume.data ? { rangeProbe: deferred.probe } : {};
        const g = runPreprocessStep(volume, rest[i]!, probe);
        volume = g.volume;
        moved.push(g.record);
      }
      const r = deferred.apply(volume, owned(volume));
      volume = r.volume;
      // The record keeps its declared place and grid; details say where it actually ran.
      records.push(
        { ...r.record, inputGeometry: declared, outputGeometry: declared, details: { ...r.record.details, appliedAfter: moved.map((m) => m.op).join(',') } },
        ...moved,
      );
      continue;
    }
    const r = runPreprocessStep(volume, step, owned(volume));
    volume = r.volume;
    records.push(r.record);
  }
  if (tensor === undefined) {
    if (options.space !== undefined) checkModelSpace(volume, options.space);
    const d = options.defaultTensor ?? {};
    const layout = d.layout ?? (volume.geometry.size[2] === 1 ? 'NCHW' : 'NCDHW');
    const params: ToTensorParams =
      d.axisOrder === undefined ? { layout, dtype: d.dtype ?? 'float32' } : { layout, dtype: d.dtype ?? 'float32', axisOrder: d.axisOrder };
    const r = convertToTensor(volume, params, owned(volume));
    tensor = r.tensor;
    volume = r.volume;
    records.push(r.record);
  }
  if (result !== undefined) {
    const fused = result;
    return {
      tensor,
      records,
      get volume() {
        return fused.volume;
      },
    };
  }
  return { tensor, records, volume };
}

/** A deferred plan made whole at once (no view handed out): the tensor in stored order. */
function materialised(d: DeferredPlan): PreprocessResult {
  const { records, tensor, volume } = deferredResult(d);
  return { records, tensor, volume };
}

/** A deferred plan's result: the view, and the float32 tensor / volume made once if asked for. */
function deferredResult(d: DeferredPlan): PreprocessResult {
  const view = d.view;
  let made: { tensor: ModelTensor<'float32'>; volume: Volume } | undefined;
  const make = (): { tensor: ModelTensor<'float32'>; volume: Volume } => {
    if (made !== undefined) return made;
    const channels = view.dims[1]!;
    const data = new Float32Array(view.length);
    const per = view.length / channels;
    for (let c = 0; c < channels; c++) view.read(c * per, per, data, c * per);
    made = {
      tensor: d.identity ? { type: 'float32', data, dims: view.dims } : { type: 'float32', data, dims: view.dims, strides: view.strides },
      volume: createPlanarVolume(d.geometry, data, channels, d.meta),
    };
    return made;
  };
  return {
    records: d.records,
    deferred: view,
    get tensor() {
      return make().tensor;
    },
    get volume() {
      return make().volume;
    },
  };
}
