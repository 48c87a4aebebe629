/**
 * MONAI inference preprocessing transforms -> the SDK's declarative preprocess steps. Each
 * mapping keeps MONAI's meaning exactly (defaults included) or throws UnsupportedError naming
 * the transform and the parameter; nothing is dropped without a reason. Transforms that only
 * load, type or re-channel the array have no step: the SDK's readers give geometry-carrying
 * volumes (LPS inside; `orient` takes MONAI's nibabel axcodes as they are, see
 * src/preprocess/orient.ts) and `toTensor` makes the [1, C, ...] tensor.
 */
import { UnsupportedError } from '../../core/errors.js';
import type { StepSpec } from '../types.js';
import { rawField } from './config.js';

export type Transform = Readonly<Record<string, unknown>>;

export interface MappedPreprocess {
  readonly steps: StepSpec[];
  /** What Orientationd / Spacingd put the model in (manifest `space`). */
  readonly orientation?: string;
  readonly spacing?: number[];
  readonly notes: string[];
}

/** `monai.transforms.Spacingd` -> 'Spacingd'. */
export function transformName(t: Transform): string {
  const target = t['_target_'];
  return typeof target === 'string' ? target.split('.').pop()! : '(no _target_)';
}

export function unsupported(name: string, why: string, where: string): never {
  throw new UnsupportedError(`${where}: MONAI transform ${name} ${why}; the importer maps only what the SDK reproduces exactly`, {
    field: where,
    transform: name,
  });
}

/** A parameter that must keep MONAI's default (else the transform is unsupported). */
function requireDefault(t: Transform, name: string, where: string, param: string, ok: (v: unknown) => boolean, meaning: string): void {
  const v = t[param];
  if (v !== undefined && !ok(v)) unsupported(name, `with ${param}=${JSON.stringify(v)} (${meaning})`, where);
}

function keysOf(t: Transform): string[] {
  const k = t['keys'];
  return typeof k === 'string' ? [k] : Array.isArray(k) ? k.filter((x): x is string => typeof x === 'string') : [];
}

function numberList(v: unknown, n: number, name: string, param: string, where: string): number[] {
  const list = typeof v === 'number' ? Array.from({ length: n }, () => v) : v;
  if (!Array.isArray(list) || list.length !== n || !list.every((x) => typeof x === 'number' && x > 0))
    unsupported(name, `with ${param}=${JSON.stringify(v)} (expected ${n} positive numbers)`, where);
  return list as number[];
}

function interpolation(v: unknown, name: string, where: string): 'linear' | 'nearest' {
  const mode = Array.isArray(v) ? v[0] : (v ?? 'bilinear');
  if (mode === 'bilinear' || mode === 1) return 'linear';
  if (mode === 'nearest' || mode === 0) return 'nearest';
  return unsupported(name, `with mode=${JSON.stringify(v)} (the SDK's MONAI-rule resampling is linear or nearest)`, where);
}

const NO_STEP: Readonly<Record<string, string>> = {
  LoadImaged: 'the SDK reads DICOM / NIfTI / PNG with their geometry itself',
  LoadImage: 'the SDK reads DICOM / NIfTI / PNG with their geometry itself',
  EnsureChannelFirstd: 'volumes carry channels separately; toTensor makes [1, C, ...]',
  EnsureChannelFirst: 'volumes carry channels separately; toTensor makes [1, C, ...]',
  AddChanneld: 'volumes carry channels separately; toTensor makes [1, C, ...]',
  EnsureTyped: 'a type conversion of the same values',
  EnsureType: 'a type conversion of the same values',
  ToTensord: 'a type conversion of the same values',
  ToTensor: 'a type conversion of the same values',
  CastToTyped: 'a type conversion of the same values',
  CastToType: 'a type conversion of the same values',
};

/** Maps the transforms that act on `imageKey`; `spatialDims` is 3 for volumes. */
export function mapPreprocessing(transforms: readonly Transform[], imageKey: string, spatialDims: number, where: string): MappedPreprocess {
  const steps: StepSpec[] = [];
  const notes: string[] = [];
  let orientation: string | undefined;
  let spacing: number[] | undefined;
  transforms.forEach((t, i) => {
    const name = transformName(t);
    const at = `${where}[${i}] ${name}`;
    const keys = keysOf(t);
    if (keys.length > 0 && !keys.includes(imageKey)) {
      notes.push(`${at}: acts on ${keys.join(', ')}, not on the image ('${imageKey}'): nothing to do at inference`);
      return;
    }
    if (name in NO_STEP) {
      // Read as written: "$torch.float32" names a type, it is not evaluated.
      const raw = rawField(t, 'dtype');
      const dtype = typeof raw === 'string' && raw.startsWith('@') ? String(t['dtype']) : raw;
      if ((name.startsWith('EnsureType') || name.startsWith('CastToType')) && dtype !== undefined && !/float32/.test(String(dtype)))
        unsupported(name, `with dtype=${JSON.stringify(dtype)} (the model tensor is float32)`, at);
      return;
    }
    switch (name) {
      case 'Orientationd':
      case 'Orientation': {
        const ax = t['axcodes'];
        if (typeof ax !== 'string' || !/^[LRPAIS]{2,3}$/.test(ax)) unsupported(name, `with axcodes=${JSON.stringify(ax)}`, at);
        requireDefault(t, name, at, 'as_closest_canonical', (v) => v === false, 'not reproduced');
        requireDefault(
          t,
          name,
          at,
          'labels',
          (v) =>
            JSON.stringify(v) ===
            JSON.stringify([
              ['L', 'R'],
              ['P', 'A'],
              ['I', 'S'],
            ]),
          'non-default axis labels',
        );
        orientation = ax;
        steps.push({ op: 'orient', axcodes: ax });
        return;
      }
      case 'Spacingd':
      case 'Spacing': {
        const pixdim = numberList(t['pixdim'], spatialDims, name, 'pixdim', at);
        requireDefault(t, name, at, 'diagonal', (v) => v === false, 'not reproduced');
        requireDefault(
          t,
          name,
          at,
          'padding_mode',
          (v) => v === 'border' || (Array.isArray(v) && v.every((x) => x === 'border')),
          'the SDK pads with the border value, as MONAI does by default',
        );
        requireDefault(t, name, at, 'align_corners', (v) => v === false || (Array.isArray(v) && v.every((x) => x === false)), 'not reproduced');
        requireDefault(t, name, at, 'scale_extent', (v) => v === false, 'not reproduced');
        for (const p of ['min_pixdim', 'max_pixdim']) requireDefault(t, name, at, p, (v) => v === null, 'not reproduced');
        spacing = pixdim;
        steps.push({ op: 'resample', spacing: pixdim, mode: interpolation(t['mode'], name, at), rule: 'monai' });
        return;
      }
      case 'ScaleIntensityRanged':
      case 'ScaleIntensityRange': {
        const [aMin, aMax, bMin, bMax] = ['a_min', 'a_max', 'b_min', 'b_max'].map((p) => t[p]);
        if (![aMin, aMax, bMin, bMax].every((x) => typeof x === 'number'))
          unsupported(name, `with a_min/a_max/b_min/b_max ${JSON.stringify([aMin, aMax, bMin, bMax])} (all four must be numbers)`, at);
        steps.push({ op: 'scaleIntensityRange', aMin, aMax, bMin, bMax, clip: t['clip'] === true });
        return;
      }
      case 'NormalizeIntensityd':
      case 'NormalizeIntensity':
        for (const p of ['subtrahend', 'divisor']) requireDefault(t, name, at, p, (v) => v === null, 'fixed statistics are not reproduced');
        steps.push({ op: 'zscore', nonzero: t['nonzero'] === true, channelWise: t['channel_wise'] === true });
        return;
      case 'ScaleIntensityd':
      case 'ScaleIntensity': {
        const minv = t['minv'] ?? 0;
        const maxv = t['maxv'] ?? 1;
        if (typeof minv !== 'number' || typeof maxv !== 'number')
          unsupported(name, `with minv=${JSON.stringify(minv)}, maxv=${JSON.stringify(maxv)} (factor scaling is not reproduced)`, at);
        requireDefault(t, name, at, 'factor', (v) => v === null, 'factor scaling is not reproduced');
        steps.push({ op: 'scaleIntensity', min: minv, max: maxv, channelWise: t['channel_wise'] === true });
        return;
      }
      case 'CropForegroundd':
      case 'CropForeground': {
        if (t['source_key'] !== undefined && t['source_key'] !== imageKey)
          unsupported(name, `with source_key=${JSON.stringify(t['source_key'])} (only the image itself is available at inference)`, at);
        requireDefault(t, name, at, 'select_fn', () => false, "the SDK crops where any channel is > 0, MONAI's default");
        requireDefault(t, name, at, 'channel_indices', (v) => v === null, 'the SDK looks at every channel');
        // MONAI's allow_smaller defaults to True (through 1.4, the zoo bundles' version): the margin stops at the border.
        const allowSmaller = t['allow_smaller'] ?? true;
        if (typeof allowSmaller !== 'boolean') unsupported(name, `with allow_smaller=${JSON.stringify(allowSmaller)}`, at);
        const margin = t['margin'] ?? 0;
        const k = t['k_divisible'] ?? 1;
        steps.push({ op: 'cropPad', mode: 'foreground', margin, k, ...(allowSmaller ? { allowSmaller } : {}) } as StepSpec);
        return;
      }
      case 'DivisiblePadd':
      case 'DivisiblePad':
        requireDefault(t, name, at, 'method', (v) => v === 'symmetric', 'the SDK pads symmetrically');
        requireDefault(t, name, at, 'mode', (v) => v === 'constant', 'the SDK pads with a constant');
        steps.push({ op: 'cropPad', mode: 'divisible', k: t['k'] } as StepSpec);
        return;
      default:
        unsupported(name, 'has no SDK equivalent', at);
    }
  });
  return { steps, ...(orientation !== undefined ? { orientation } : {}), ...(spacing !== undefined ? { spacing } : {}), notes };
}
