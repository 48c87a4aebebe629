/**
 * Declarative postprocessing steps as the manifest names them. validatePostprocessPlan checks a
 * manifest's `postprocess[]` eagerly (at load, not at the first inference) and returns typed
 * steps; every error is a ManifestError naming the step index, the op and the field.
 */
import { ManifestError } from '../../core/errors.js';
import { deepFreeze } from '../../core/freeze.js';

export type PostprocessStep =
  | { readonly op: 'sigmoid' }
  | { readonly op: 'softmax'; readonly axis: number }
  | { readonly op: 'opNorm'; readonly thresholds: readonly (number | null)[] }
  | { readonly op: 'threshold'; readonly value?: number; readonly perLabel?: readonly (number | null)[] }
  | { readonly op: 'topK'; readonly k: number }
  | { readonly op: 'decodeYolo'; readonly confidence: number; readonly numClasses: number }
  | { readonly op: 'decodeEndToEnd'; readonly confidence: number }
  | { readonly op: 'nms'; readonly iou: number; readonly scoreThreshold?: number; readonly maxDetections?: number; readonly classAware?: boolean }
  /**
   * grid 'model': labels taken on the model grid, mapped back nearest-neighbour (MONAI AsDiscreted before Invertd(nearest_interp)); default 'input':
   * probabilities mapped back linearly first.
   */
  | { readonly op: 'argmax'; readonly grid?: 'input' | 'model' }
  | {
      readonly op: 'regionsToLabels';
      readonly order: readonly number[];
      readonly labels: readonly number[];
      readonly threshold?: number;
      readonly comparison?: 'gt' | 'gte';
    }
  | { readonly op: 'remapLabels'; readonly map: Readonly<Record<string, number>> }
  | { readonly op: 'keepLargestComponent'; readonly labels?: readonly number[]; readonly connectivity: 6 | 26 }
  | { readonly op: 'removeSmallComponents'; readonly minVoxels: number; readonly connectivity: 6 | 26 }
  | { readonly op: 'keepLargestForegroundComponent'; readonly connectivity: 6 | 26 }
  | { readonly op: 'binarize' }
  | { readonly op: 'maskInput' }
  | { readonly op: 'integrateVelocity'; readonly steps: number; readonly padding?: 'zeros' | 'border' }
  /**
   * How a field coarser than the model grid is brought onto it (registration). 'corners' (the
   * default without this step): torch VoxelMorph's ResizeTransform, trilinear align_corners=True,
   * values x (N - 1) / (n - 1). 'origin': the 2018 Keras models' interp_upsampling, output voxel x
   * samples the coarse field at x * n / N (clamped at the far border), values x N / n.
   */
  | { readonly op: 'upsampleField'; readonly align: 'corners' | 'origin' };

export type PostprocessOp = PostprocessStep['op'];

/** Returns an error message ("must be ...") or null when the value is acceptable. */
type FieldCheck = (value: unknown) => string | null;

interface FieldSpec {
  readonly check: FieldCheck;
  readonly required: boolean;
}

/**
 * The fields of one op's step type, each required exactly when the type requires it: FIELDS is
 * typed by PostprocessStep, so the validator and the union the pipelines switch over cannot drift.
 */
type FieldsOf<S> = {
  readonly [F in Exclude<keyof S, 'op'>]-?: undefined extends S[F] ? FieldSpec & { readonly required: false } : FieldSpec & { readonly required: true };
};

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const num =
  (min: number, max: number): FieldCheck =>
  (v) =>
    typeof v === 'number' && v >= min && v <= max ? null : `must be a number in [${min}, ${max}]`;
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): FieldCheck =>
  (v) =>
    isInt(v, min, max) ? null : `must be an integer in [${min}, ${max}]`;
const intList: FieldCheck = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isInt(x, 0, 65535)) ? null : 'must be a non-empty array of integers in [0, 65535]';
const thresholdList =
  (open: boolean): FieldCheck =>
  (v) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => x === null || (typeof x === 'number' && (open ? x > 0 && x < 1 : Number.isFinite(x))))
      ? null
      : `must be a non-empty array of ${open ? 'numbers in (0, 1)' : 'finite numbers'} or null (missing label)`;
const connectivity: FieldCheck = (v) => (v === 6 || v === 26 ? null : 'must be 6 or 26');
const bool: FieldCheck = (v) => (typeof v === 'boolean' ? null : 'must be a boolean');
const finite: FieldCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number');
const labelMap: FieldCheck = (v) =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.entries(v).length > 0 &&
  Object.entries(v).every(([k, x]) => /^\d+$/.test(k) && isInt(x, 0, 65535))
    ? null
    : 'must be a non-empty object mapping integer label strings to integer labels';
const padding: FieldCheck = (v) => (v === 'zeros' || v === 'border' ? null : "must be 'zeros' or 'border'");
const align: FieldCheck = (v) => (v === 'corners' || v === 'origin' ? null : "must be 'corners' or 'origin'");
const argmaxGrid: FieldCheck = (v) => (v === 'input' || v === 'model' ? null : "must be 'input' or 'model'");
const comparison: FieldCheck = (v) => (v === 'gt' || v === 'gte' ? null : "must be 'gt' or 'gte'");

const req = (check: FieldCheck) => ({ check, required: true }) as const;
const opt = (check: FieldCheck) => ({ check, required: false }) as const;

const FIELDS: { readonly [K in PostprocessOp]: FieldsOf<Extract<PostprocessStep, { readonly op: K }>> } = {
  sigmoid: {},
  softmax: { axis: req(int(-5, 4)) },
  opNorm: { thresholds: req(thresholdList(true)) },
  threshold: { value: opt(finite), perLabel: opt(thresholdList(false)) },
  topK: { k: req(int(1)) },
  decodeYolo: { confidence: req(num(0, 1)), numClasses: req(int(1)) },
  decodeEndToEnd: { confidence: req(num(0, 1)) },
  nms: { iou: req(num(0, 1)), scoreThreshold: opt(finite), maxDetections: opt(int(1)), classAware: opt(bool) },
  argmax: { grid: opt(argmaxGrid) },
  regionsToLabels: { order: req(intList), labels: req(intList), threshold: opt(num(0, 1)), comparison: opt(comparison) },
  remapLabels: { map: req(labelMap) },
  keepLargestComponent: { labels: opt(intList), connectivity: req(connectivity) },
  removeSmallComponents: { minVoxels: req(int(0)), connectivity: req(connectivity) },
  keepLargestForegroundComponent: { connectivity: req(connectivity) },
  binarize: {},
  maskInput: {},
  integrateVelocity: { steps: req(int(0, 30)), padding: opt(padding) },
  upsampleField: { align: req(align) },
};

/**
 * Every op, in the order the step reference and the "must be one of" error list them: FIELDS's
 * keys, which its mapped type makes exactly the ops of PostprocessStep (no list to keep in step).
 */
export const POSTPROCESS_OPS = Object.keys(FIELDS) as readonly PostprocessOp[];

/**
 * What each op does, for the generated step reference (docs/manifest-steps.md); the fields come
 * from FIELDS above, so the reference cannot drift from the validator.
 */
export const POSTPROCESS_SUMMARIES: Readonly<Record<PostprocessOp, string>> = {
  sigmoid: 'Logistic function on every output value (multi-label / region models).',
  softmax: 'Softmax over the channel axis `axis` of the output tensor.',
  opNorm: 'TorchXRayVision op_norm: per-label calibration of sigmoid outputs around `thresholds` (null = label without a threshold).',
  threshold: 'Binarises scores: a global `value`, or one threshold per label (`perLabel`); exactly one of the two.',
  topK: 'Classification: keep the `k` highest-scoring labels.',
  decodeYolo: 'Detection: decodes YOLO anchor-free heads (`numClasses`) with a `confidence` floor.',
  decodeEndToEnd: 'Detection: reads end-to-end (NMS-free) boxes above `confidence`.',
  nms: 'Detection: non-maximum suppression at `iou` (per class when `classAware`), optional score floor and detection cap.',
  argmax:
    'Segmentation: label = index of the largest channel (ties to the lower channel); computed on the input grid from interpolated values when the ' +
    "plan resampled, or with `grid` 'model' on the model grid and carried back nearest-neighbour (MONAI AsDiscreted then " +
    'Invertd(nearest_interp=True)).',
  regionsToLabels:
    'Segmentation: overlapping sigmoid regions to labels: channel `order[n]` above `threshold` writes `labels[n]`, later entries overwrite earlier ones.',
  remapLabels: 'Segmentation: label values mapped through `map` (string keys = model labels).',
  keepLargestComponent:
    'Segmentation: for each label (or the listed `labels`), only its largest connected component is kept (MONAI KeepLargestConnectedComponent, independent).',
  removeSmallComponents: 'Segmentation: components smaller than `minVoxels` are removed (per label).',
  keepLargestForegroundComponent:
    "Segmentation: brainchop's postprocess - the label map is binarised (label != 0), its largest connected component (`connectivity` 26 in " +
    'brainchop) is kept with its labels, every other voxel becomes background. Runs on the grid the model saw (before a conform is undone).',
  binarize: "Segmentation: every non-zero label becomes 1 (brainchop's brain-mask output).",
  maskInput:
    "Segmentation: the result also carries `masked`: the input image with voxels outside the label map (label 0) set to 0 (brainchop's brain " +
    "extraction), on the input grid with the input's type.",
  integrateVelocity:
    'Registration: the output is a stationary velocity field, integrated by scaling and squaring in `steps` steps (VoxelMorph), sampling beyond the ' +
    'grid as `padding` (zeros or border). Without this step the output is a displacement.',
  upsampleField:
    "Registration: how a field coarser than the model grid is brought onto it: `align` 'corners' (torch VoxelMorph ResizeTransform, align_corners) " +
    "or 'origin' (the 2018 Keras interp_upsampling).",
};

/** Field names and what each accepts, from the validators themselves. */
export function describePostprocessFields(op: PostprocessOp): { name: string; required: boolean; accepts: string }[] {
  const fields: Readonly<Record<string, FieldSpec>> = FIELDS[op];
  return Object.entries(fields).map(([name, spec]) => ({
    name,
    required: spec.required,
    accepts: (spec.check(Symbol('describe')) ?? '').replace(/^must be /, ''),
  }));
}

function fail(index: number, op: string, field: string, message: string, received?: unknown): never {
  throw new ManifestError(`postprocess[${index}] (${op}): ${field} ${message}`, { step: index, op, field, received });
}

export function isPostprocessOp(value: unknown): value is PostprocessOp {
  return typeof value === 'string' && (POSTPROCESS_OPS as readonly string[]).includes(value);
}

/** Plans this module returned: validated, deeply frozen, trusted without another check. */
const VALIDATED = new WeakSet<object>();

/** Whether `steps` is a plan validatePostprocessPlan returned (so it needs no second check). */
export function isValidatedPostprocessPlan(steps: unknown): steps is readonly PostprocessStep[] {
  return typeof steps === 'object' && steps !== null && VALIDATED.has(steps);
}

/** Checks every step and returns the typed plan, deeply frozen; a plan it returned is returned as is. */
export function validatePostprocessPlan(steps: readonly unknown[]): readonly PostprocessStep[] {
  if (isValidatedPostprocessPlan(steps)) return steps;
  if (!Array.isArray(steps)) throw new ManifestError('postprocess must be an array of steps', { field: 'postprocess' });
  const plan = steps.map((step: unknown, index) => {
    if (step === null || typeof step !== 'object' || Array.isArray(step)) fail(index, '?', 'step', 'must be an object with an "op" field', step);
    const record = step as Record<string, unknown>;
    const op = record['op'];
    if (!isPostprocessOp(op)) fail(index, String(op), 'op', `must be one of ${POSTPROCESS_OPS.join(', ')}`, op);
    const spec: Readonly<Record<string, FieldSpec>> = FIELDS[op];
    for (const key of Object.keys(record)) {
      if (key !== 'op' && !(key in spec)) fail(index, op, key, `is not a field of ${op} (expected ${Object.keys(spec).join(', ') || 'none'})`, record[key]);
    }
    for (const [field, { check, required }] of Object.entries(spec)) {
      const value = record[field];
      if (value === undefined) {
        if (required) fail(index, op, field, 'is required');
        continue;
      }
      const problem = check(value);
      if (problem) fail(index, op, field, problem, value);
    }
    if (op === 'threshold' && (record['value'] === undefined) === (record['perLabel'] === undefined))
      fail(index, op, 'value', 'or perLabel must be given (exactly one)');
    if (op === 'regionsToLabels' && (record['order'] as unknown[]).length !== (record['labels'] as unknown[]).length)
      fail(index, op, 'labels', 'must have one label per entry of order', record['labels']);
    // Every field was checked against FIELDS, which is typed by PostprocessStep (FieldsOf).
    return structuredClone(record) as unknown as PostprocessStep;
  });
  VALIDATED.add(deepFreeze(plan));
  return plan;
}
