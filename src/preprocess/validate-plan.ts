/**
 * validatePreprocessPlan: turns the manifest's untrusted `preprocess` array into typed steps.
 * Unknown ops, missing / mistyped / unknown fields and misplaced steps are ManifestErrors that
 * name the step index, op and field with expected and received values.
 */
import { ManifestError } from '../core/errors.js';
import { deepFreeze } from '../core/freeze.js';
import { readConformParams } from './conform.js';
import { readCropForegroundParams } from './crop-foreground.js';
import { readCropPadParams } from './crop-pad.js';
import { readGreyscaleParams } from './greyscale.js';
import { readInvertMonochrome1Params } from './invert-monochrome1.js';
import { readLetterboxParams } from './letterbox.js';
import { readNormalizeMeanStdParams } from './normalize-mean-std.js';
import { readNormalizeMinMaxParams, readNormalizeQuantileParams } from './normalize-range.js';
import { readOrientParams } from './orient.js';
import { ParamReader } from './param-reader.js';
import { readPercentileClipParams } from './percentile-clip.js';
import { readResampleParams } from './resample.js';
import { readResizeParams } from './resize.js';
import { readScaleIntensityRangeParams } from './scale-intensity-range.js';
import { readScaleIntensityParams } from './scale-intensity.js';
import { readStackChannelsParams } from './stack-channels.js';
import { readToRgbParams } from './to-rgb.js';
import { readToTensorParams } from './to-tensor.js';
import type { PreprocessOp, PreprocessStep } from './types.js';
import { readWindowParams } from './window.js';
import { readXrvNormalizeParams } from './xrv-normalize.js';
import { readZscoreParams } from './zscore.js';

/** A step's parameters (its type without `op`). */
type ParamsOf<K extends PreprocessOp> = Omit<Extract<PreprocessStep, { readonly op: K }>, 'op'>;

/** One reader per op, each typed to return exactly that op's parameters (so readers and PreprocessStep cannot drift). */
export const PREPROCESS_READERS: { readonly [K in PreprocessOp]: (r: ParamReader) => ParamsOf<K> } = {
  orient: readOrientParams,
  resample: readResampleParams,
  resize: readResizeParams,
  cropPad: readCropPadParams,
  letterbox: readLetterboxParams,
  window: readWindowParams,
  scaleIntensityRange: readScaleIntensityRangeParams,
  scaleIntensity: readScaleIntensityParams,
  zscore: readZscoreParams,
  percentileClip: readPercentileClipParams,
  normalizeMeanStd: readNormalizeMeanStdParams,
  xrvNormalize: readXrvNormalizeParams,
  invertMonochrome1: readInvertMonochrome1Params,
  stackChannels: readStackChannelsParams,
  greyscale: readGreyscaleParams,
  toRgb: readToRgbParams,
  toTensor: readToTensorParams,
  conform: readConformParams,
  normalizeMinMax: readNormalizeMinMaxParams,
  normalizeQuantile: readNormalizeQuantileParams,
  cropForeground: readCropForegroundParams,
};

/** Every op name a manifest may use, for the manifest validator / JSON Schema. */
export const PREPROCESS_OPS: readonly PreprocessOp[] = Object.freeze(Object.keys(PREPROCESS_READERS) as PreprocessOp[]);

export function isPreprocessOp(value: unknown): value is PreprocessOp {
  return typeof value === 'string' && Object.hasOwn(PREPROCESS_READERS, value);
}

function fail(index: number, op: string, field: string, expected: string, received: string): never {
  throw new ManifestError(`preprocess[${index}] (${op}): field "${field}" expected ${expected}, received ${received}`, {
    index,
    op,
    field,
    expected,
    received,
  });
}

export function validatePreprocessStep(raw: unknown, index: number): PreprocessStep {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(index, '?', 'op', 'an object with an "op" field', Array.isArray(raw) ? 'an array' : (JSON.stringify(raw) ?? String(raw)));
  const record = raw as Record<string, unknown>;
  const op = record['op'];
  if (!isPreprocessOp(op)) fail(index, String(op), 'op', `one of ${PREPROCESS_OPS.join(', ')}`, JSON.stringify(op) ?? 'nothing');
  const reader = new ParamReader(index, op, record);
  const params = PREPROCESS_READERS[op](reader);
  reader.finish();
  return { op, ...params } as PreprocessStep;
}

/** Plans this module returned: validated, deeply frozen, trusted without another check. */
const VALIDATED = new WeakSet<object>();

/** Whether `steps` is a plan validatePreprocessPlan returned (runPreprocessPlan runs it without a second check). */
export function isValidatedPreprocessPlan(steps: unknown): steps is readonly PreprocessStep[] {
  return typeof steps === 'object' && steps !== null && VALIDATED.has(steps);
}

/** Checks every step and its place; returns the typed plan, deeply frozen. A plan it returned is returned as is. */
export function validatePreprocessPlan(steps: unknown): readonly PreprocessStep[] {
  if (isValidatedPreprocessPlan(steps)) return steps;
  if (!Array.isArray(steps))
    throw new ManifestError(`preprocess must be an array of steps, received ${typeof steps}`, {
      field: 'preprocess',
      expected: 'array',
      received: typeof steps,
    });
  const plan = steps.map((s, idx) => validatePreprocessStep(s, idx));
  plan.forEach((step, idx) => {
    if (step.op === 'stackChannels' && idx !== 0)
      fail(idx, step.op, 'op', 'stackChannels only as the first step (it combines the named inputs)', `position ${idx}`);
    if (step.op === 'conform' && plan.slice(0, idx).some((s) => s.op !== 'stackChannels'))
      fail(idx, step.op, 'op', 'conform as the first step (it reslices the input as read; later steps work on its grid)', `position ${idx}`);
    if (step.op === 'toTensor' && idx !== plan.length - 1) fail(idx, step.op, 'op', 'toTensor only as the last step', `position ${idx} of ${plan.length}`);
  });
  VALIDATED.add(deepFreeze(plan));
  return plan;
}
