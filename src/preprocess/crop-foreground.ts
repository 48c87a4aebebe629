/**
 * cropForeground {mask, value?, padding}: crops to the bounding box of a foreground mask plus
 * `padding` voxels on each side, clamped to the image (never padded) - brainchop's
 * cropAndGetCorner. The mask, as brainchop builds it (inference-logic.js), is computed on the
 * volume as this step sees it (after the normalisation steps before it):
 * - 'threshold': x > value (brainchop without pre-model and autoThreshold 0: x > 0),
 * - 'relativeThreshold': x > value * max(x), the threshold rounded as tfjs's float32 product
 *   (applyMriThreshold, brainchop's autoThreshold in (0, 1]),
 * - 'preModel': the pre-model's label map != 0 on this step's grid (the pipeline runs the entry's
 *   `preModel` first and hands its labels in; StepOptions.preModelLabels).
 * Values are copied exactly (type kept). Labels come back through the record's crop transform;
 * voxels outside the box get the background (0). An empty mask is an InputError: brainchop
 * would crop a nonsense box.
 */
import { InputError, ShapeError } from '../core/errors.js';
import { sameGrid, type Vec3 } from '../core/geometry.js';
import type { TypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import { copyBox, growBoxAbove } from './crop-pad.js';
import { createScaleOffsetTransform, deriveGeometry } from './index-transform.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createRecord } from './record.js';
import type { CropForegroundParams, PreprocessRecord, StepOptions, StepResult } from './types.js';
import type { IntensityTable } from './normalize-range.js';

export function readCropForegroundParams(r: ParamReader): CropForegroundParams {
  const mask = r.oneOf('mask', ['threshold', 'relativeThreshold', 'preModel'] as const);
  const padding = r.has('padding') ? r.numberOrArray('padding', [3], { integer: true, min: 0 }) : 0;
  if (mask === 'preModel') {
    if (r.has('value')) r.fail('value', 'no "value" with mask "preModel" (the mask is the pre-model\'s labels != 0)', r.peek('value'));
    return { mask, padding };
  }
  const value = mask === 'relativeThreshold' ? r.number('value', { above: 0, max: 1 }) : r.number('value');
  return { mask, value, padding };
}

/** Bounding box [lo, hi] (inclusive) of voxels with data > threshold; null when none. */
function findBoxAbove(data: TypedArray, size: Vec3, threshold: number): { lo: number[]; hi: number[] } | null {
  const [n0, n1, n2] = size;
  const lo = [n0, n1, n2];
  const hi = [-1, -1, -1];
  growBoxAbove(data, 0, size, threshold, lo, hi);
  return hi[0]! < 0 ? null : { lo, hi };
}

function maxOf(data: TypedArray): number {
  let m = -Infinity;
  for (let p = 0; p < data.length; p++) if (data[p]! > m) m = data[p]!;
  return m;
}

/**
 * Voxels with data > `threshold` are foreground; `reported` is the threshold in the step's own
 * terms (on the normalised values) where the scan runs on the integers before a table.
 */
interface MaskSource {
  readonly data: TypedArray;
  readonly threshold: number;
  readonly reported: number;
}

/**
 * The integer threshold equivalent to normalised value > t: the table never decreases, so the
 * integers above it are those from the first one whose value exceeds t (+Infinity: none).
 */
function integerThreshold(values: IntensityTable, t: number): number {
  const { table, offset } = values;
  for (let x = 0; x < table.length; x++) if (table[x]! > t) return x - offset - 1;
  return Infinity;
}

function maskSource(volume: Volume, params: CropForegroundParams, options: StepOptions, values?: IntensityTable): MaskSource {
  const source = volume.meta.source ?? 'the input';
  if (params.mask === 'preModel') {
    const labels = options.preModelLabels;
    if (labels === undefined)
      throw new InputError('cropForeground {mask: "preModel"}: no pre-model labels were given (the model entry needs a "preModel")', { field: 'mask' });
    if (!sameGrid(labels.geometry, volume.geometry) || labels.components !== 1 || labels.frames !== 1) {
      throw new ShapeError(
        `cropForeground: the pre-model's labels [${labels.geometry.size.join('x')}] are not on the grid this step sees ` +
          `[${volume.geometry.size.join('x')}]: the pre-model must regrid its input the same way`,
        { expected: [...volume.geometry.size], actual: [...labels.geometry.size] },
      );
    }
    return { data: labels.data, threshold: 0, reported: 0 };
  }
  if (channelCount(volume) !== 1)
    throw new InputError(`cropForeground: ${source} has ${channelCount(volume)} channels; the mask is defined on one`, { field: 'mask', file: source });
  const max = params.mask === 'threshold' ? 0 : values !== undefined ? values.maxValue : maxOf(volume.data);
  const t = params.mask === 'threshold' ? Math.fround(params.value!) : Math.fround(Math.fround(max) * Math.fround(params.value!));
  return { data: volume.data, threshold: values !== undefined ? integerThreshold(values, t) : t, reported: t };
}

/** The box cropForeground keeps ([start, start + size) per axis, inside the image) and its record. */
export interface CropForegroundPlan {
  readonly start: Vec3;
  readonly size: Vec3;
  readonly record: PreprocessRecord;
  /** The box is the whole image: nothing to crop. */
  readonly whole: boolean;
}

/**
 * `values`: the volume holds integers whose normalised values are `values.table` (a normalisation
 * the plan runner has not applied yet, see planIntensityTable); the mask is taken on those.
 */
export function planCropForeground(volume: Volume, params: CropForegroundParams, options: StepOptions = {}, values?: IntensityTable): CropForegroundPlan {
  const g = volume.geometry;
  const mask = maskSource(volume, params, options, values);
  const box = findBoxAbove(mask.data, g.size, mask.threshold);
  if (box === null) {
    throw new InputError(
      `cropForeground: the foreground mask (${params.mask}${params.value === undefined ? '' : ` ${params.value}`}) of ` +
        `${volume.meta.source ?? 'the input'} is empty: nothing to segment`,
      { field: 'mask', file: volume.meta.source ?? 'memory' },
    );
  }
  const pad = typeof params.padding === 'number' ? [params.padding, params.padding, params.padding] : params.padding;
  const start: Vec3 = [0, 1, 2].map((a) => Math.max(0, box.lo[a]! - pad[a]!)) as unknown as Vec3;
  const size: Vec3 = [0, 1, 2].map((a) => Math.min(g.size[a]! - 1, box.hi[a]! + pad[a]!) - start[a]! + 1) as unknown as Vec3;
  const t = createScaleOffsetTransform([1, 1, 1], start);
  const details = { start: [...start], size: [...size], threshold: mask.reported };
  const same = size.every((n, a) => n === g.size[a]);
  return { start, size, whole: same, record: createRecord('cropForeground', params, g, same ? g : deriveGeometry(g, t, size), t, details) };
}

export function cropForegroundVolume(volume: Volume, params: CropForegroundParams, options: StepOptions = {}): StepResult {
  const { start, size, record, whole } = planCropForeground(volume, params, options);
  if (whole) return { volume, record };
  const v = toPlanar(volume);
  const out = createPlanarVolume(record.outputGeometry, copyBox(v, start, size, 0), channelCount(v), v.meta);
  return { volume: out, record };
}
