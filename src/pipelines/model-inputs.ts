/**
 * Resolves a pipeline's image inputs against the model's declared input names: a single input
 * for single-input models, or a record keyed by the manifest's `inputs[].name` (e.g. t1, t1ce,
 * t2, flair). Missing or unexpected names are typed errors naming them.
 */
import { InputError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import type { ModelEntry } from '../manifest/types.js';
import { inputName } from './model-handle.js';
import type { ImageInput, PipelineContext } from './types.js';
import { assertFiniteArray } from '../postprocess/common/checks.js';
import { nonUniformStack } from '../io/dicom/stack-geometry.js';

export type NamedInputs = Readonly<Record<string, ImageInput>>;

export function isNamedInputs(input: ImageInput | NamedInputs): input is NamedInputs {
  return typeof input === 'object' && !(input instanceof Uint8Array) && !('geometry' in input) && !('bytes' in input && 'name' in input);
}

export function declaredInputNames(entry: ModelEntry): string[] {
  return entry.inputs?.map((i) => i.name) ?? [];
}

/**
 * The gate every model input passes. NaN / +-Infinity (a float NIfTI that stores them, or an
 * overflowing scl_slope) would flow through every preprocessing step into the model and come out
 * as NaN scores or masks; a DICOM stack whose slices are off its uniform grid (a missing file)
 * would be read on wrong positions and give masks and volumes in the wrong place. Both are
 * refused here, naming the input.
 */
export function assertFiniteInput(volume: Volume, label: string): Volume {
  if (volume.data instanceof Float32Array || volume.data instanceof Float64Array) assertFiniteArray(volume.data, `input '${label}'`);
  const off = nonUniformStack(volume.meta, volume.geometry.spacing[2]);
  if (off !== undefined) {
    throw new InputError(
      `input '${label}': DICOM slice positions are not uniform: a slice lies ${off.deviationMm.toFixed(3)} mm from the ${off.stepMm.toFixed(3)} mm ` +
        `grid (missing or extra files?); the model would see slices in the wrong places: restore the series' files`,
      { file: label, cause: 'non-uniform-slices', deviationMm: off.deviationMm, spacingMm: off.stepMm },
    );
  }
  return volume;
}

export async function loadModelInputs(
  context: PipelineContext,
  entry: ModelEntry,
  input: ImageInput | NamedInputs,
): Promise<{ volumes: Record<string, Volume>; order: string[]; names: string[] }> {
  const declared = declaredInputNames(entry);
  if (!isNamedInputs(input)) {
    if (declared.length > 1)
      throw new InputError(`model '${entry.id}' needs ${declared.length} inputs (${declared.join(', ')}); pass them as an object keyed by name`, {
        modelId: entry.id,
        expected: declared,
      });
    const name = declared[0] ?? 'image';
    return { volumes: { [name]: assertFiniteInput(await context.loadVolume(input), inputName(input)) }, order: [name], names: [inputName(input)] };
  }
  const named = input as NamedInputs;
  const given = Object.keys(named);
  const missing = declared.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !declared.includes(n));
  if (missing.length > 0 || extra.length > 0 || declared.length === 0) {
    throw new InputError(
      `model '${entry.id}' takes inputs ${declared.join(', ') || '(one image)'}; missing: ${missing.join(', ') || 'none'}, unexpected: ` +
        `${extra.join(', ') || 'none'}`,
      { modelId: entry.id, expected: declared, actual: given },
    );
  }
  const volumes: Record<string, Volume> = {};
  // The same path (or object) in several slots is read once: volumes are never written, and a
  // 1024x1024x600 CT read four times would be 5 GB of identical int16.
  const read = new Map<ImageInput, Volume>();
  for (const name of declared) {
    const given = named[name]!;
    const volume = read.get(given) ?? assertFiniteInput(await context.loadVolume(given), `${name}: ${inputName(given)}`);
    read.set(given, volume);
    volumes[name] = volume;
  }
  return { volumes, order: declared, names: declared.map((n) => inputName(named[n]!)) };
}
