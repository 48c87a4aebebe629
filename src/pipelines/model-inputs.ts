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

export type NamedInputs = Readonly<Record<string, ImageInput>>;

export function isNamedInputs(input: ImageInput | NamedInputs): input is NamedInputs {
  return typeof input === 'object' && !(input instanceof Uint8Array) && !('geometry' in input) && !('bytes' in input && 'name' in input);
}

export function declaredInputNames(entry: ModelEntry): string[] {
  return entry.inputs?.map((i) => i.name) ?? [];
}

/**
 * NaN / +-Infinity in an input (a float NIfTI that stores them, or an overflowing scl_slope)
 * would flow through every preprocessing step into the model and come out as NaN scores or
 * masks: refused here, naming the input and how many samples are bad.
 */
export function assertFiniteInput(volume: Volume, label: string): Volume {
  if (volume.data instanceof Float32Array || volume.data instanceof Float64Array) assertFiniteArray(volume.data, `input '${label}'`);
  return volume;
}

export async function loadModelInputs(context: PipelineContext, entry: ModelEntry, input: ImageInput | NamedInputs): Promise<{ volumes: Record<string, Volume>; order: string[]; names: string[] }> {
  const declared = declaredInputNames(entry);
  if (!isNamedInputs(input)) {
    if (declared.length > 1) throw new InputError(`model '${entry.id}' needs ${declared.length} inputs (${declared.join(', ')}); pass them as an object keyed by name`, { modelId: entry.id, expected: declared });
    const name = declared[0] ?? 'image';
    return { volumes: { [name]: assertFiniteInput(await context.loadVolume(input), inputName(input)) }, order: [name], names: [inputName(input)] };
  }
  const named = input as NamedInputs;
  const given = Object.keys(named);
  const missing = declared.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !declared.includes(n));
  if (missing.length > 0 || extra.length > 0 || declared.length === 0) {
    throw new InputError(`model '${entry.id}' takes inputs ${declared.join(', ') || '(one image)'}; missing: ${missing.join(', ') || 'none'}, unexpected: ${extra.join(', ') || 'none'}`, { modelId: entry.id, expected: declared, actual: given });
  }
  const volumes: Record<string, Volume> = {};
  for (const name of declared) volumes[name] = assertFiniteInput(await context.loadVolume(named[name]!), `${name}: ${inputName(named[name]!)}`);
  return { volumes, order: declared, names: declared.map((n) => inputName(named[n]!)) };
}
