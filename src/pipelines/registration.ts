/**
 * Deformable registration pipeline (VoxelMorph family): fixed + moving volumes -> the same
 * declared plan for both -> model -> velocity or displacement field (tensor voxels) ->
 * scaling-and-squaring if declared (integrateVelocity; without it the output is a displacement) ->
 * upsampled to the model grid if coarser (upsampleField's alignment) -> displacement in
 * LPS mm on the fixed image's exact grid. Then: moving image warped (trilinear), moving labels
 * warped (nearest), Jacobian determinant and folding %, landmark TRE when landmarks are given.
 * Convention: fixed voxel x corresponds to moving world position world(x) + u(x).
 */
import { InputError, ManifestError } from '../core/errors.js';
import { sameGrid } from '../core/geometry.js';
import { createVolume, type Volume } from '../core/volume.js';
import type { ModelEntry } from '../manifest/types.js';
import { TASK_POSTPROCESS_OPS, postprocessOfTask } from '../manifest/task-ops.js';
import { convertFieldToMm } from '../postprocess/registration/field.js';
import { integrateVelocity } from '../postprocess/registration/integrate.js';
import { computeJacobianDeterminant } from '../postprocess/registration/jacobian.js';
import { displacePoints } from '../postprocess/registration/points.js';
import { upsampleField, type FieldAlignment } from '../postprocess/registration/upsample.js';
import { warpVolume, type WarpPadding } from '../postprocess/registration/warp.js';
import { invertToInputGrid } from '../preprocess/invert-to-input-grid.js';
import { runPreprocessPlan, type PreprocessResult } from '../preprocess/run-plan.js';
import { resampleOntoGrid } from './align-inputs.js';
import { concatChannels } from './batch.js';
import { fieldFromTensor } from './field-from-tensor.js';
import { toFloat32 } from './infer-dense.js';
import { createProvenance, inputName, openModelHandle, outputByName, type ModelHandle } from './model-handle.js';
import { assertFiniteInput } from './model-inputs.js';
import { pointsToWorld, summarizeTre, type TreSummary } from './landmarks.js';
import { selectInputVolume } from './select-volume.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';
import { defineTask } from './task-definition.js';

export interface RegistrationInput {
  readonly fixed: ImageInput;
  readonly moving: ImageInput;
  /** Label map on the moving image's grid, warped with nearest interpolation. */
  readonly movingLabels?: ImageInput;
  /** 0-based voxel landmarks (flat x, y, z) on the fixed and moving images (see parseLandmarks). */
  readonly landmarks?: { readonly fixed: ArrayLike<number>; readonly moving: ArrayLike<number> };
}

export interface RegistrationResult {
  /** Displacement field in LPS mm on the fixed grid (components = 3). */
  readonly displacement: Volume<'float32'>;
  readonly warped: Volume;
  readonly warpedLabels?: Volume;
  readonly jacobian: Volume<'float64'>;
  readonly foldingPercent: number;
  readonly tre?: TreSummary;
  readonly provenance: Provenance;
  readonly warnings: readonly string[];
}

export interface RegistrationPipeline extends PipelineBase {
  readonly task: 'registration';
  run(input: RegistrationInput): Promise<RegistrationResult>;
}

function axisOrderOf(pre: PreprocessResult): string {
  const rec = [...pre.records].reverse().find((r) => r.op === 'toTensor');
  return String(rec?.details?.['axisOrder'] ?? 'kji');
}

function buildFeeds(handle: ModelHandle, tensors: { fixed: PreprocessResult['tensor']; moving: PreprocessResult['tensor'] }) {
  const entry = handle.entry;
  const order = entry.inputs?.map((i) => i.name) ?? ['moving', 'fixed'];
  if (!order.includes('fixed') || !order.includes('moving'))
    throw new ManifestError(`model '${entry.id}': registration inputs must be named 'fixed' and 'moving'`, { modelId: entry.id });
  const pick = (n: string) => (n === 'fixed' ? tensors.fixed : tensors.moving);
  if (entry.io.inputs.length === 2) return Object.fromEntries(entry.io.inputs.map((spec) => [spec.name, pick(spec.name)]));
  // One input: channels concatenated in the declared order (VoxelMorph: cat([moving, fixed])).
  return { [entry.io.inputs[0]!.name]: concatChannels(order.map(pick)) };
}

/**
 * What the model's output is, as the entry declares it: a stationary velocity field when the
 * postprocess has integrateVelocity (MICCAI 2018 / VxmDense), otherwise a displacement field
 * (CVPR 2018 vm1 / vm2). An output named 'velocity' without integration, or 'displacement' with
 * it, is a contradiction in the entry and refused rather than guessed.
 */
function fieldSteps(entry: ModelEntry): { integrate?: { steps: number; padding?: WarpPadding }; align: FieldAlignment } {
  let integrate: { steps: number; padding?: WarpPadding } | undefined;
  let align: FieldAlignment | undefined;
  for (const step of postprocessOfTask('registration', entry)) {
    switch (step.op) {
      case 'integrateVelocity':
        integrate ??= { steps: step.steps, ...(step.padding === undefined ? {} : { padding: step.padding }) };
        break;
      case 'upsampleField':
        align ??= step.align;
        break;
      default: {
        const exhaustive: never = step;
        return exhaustive;
      }
    }
  }
  const output = entry.io.outputs[0]?.name ?? '';
  if (integrate === undefined && /velocity/i.test(output))
    throw new ManifestError(`model '${entry.id}': output '${output}' is a velocity field but postprocess has no integrateVelocity step`, { modelId: entry.id });
  if (integrate !== undefined && /displacement/i.test(output))
    throw new ManifestError(`model '${entry.id}': output '${output}' is a displacement field but postprocess integrates it as a velocity`, {
      modelId: entry.id,
    });
  // Without an upsampleField step a coarse field is brought up as torch VoxelMorph does (corners).
  return { ...(integrate === undefined ? {} : { integrate }), align: align ?? 'corners' };
}

async function register(handle: ModelHandle, input: RegistrationInput): Promise<RegistrationResult> {
  const started = Date.now();
  const entry = handle.entry;
  // A 4D DICOM (time / diffusion series) is refused here rather than read as channels.
  const fixed = assertFiniteInput(selectInputVolume(await handle.context.loadVolume(input.fixed), undefined, 'fixed'), `fixed: ${inputName(input.fixed)}`);
  const movingOriginal = assertFiniteInput(
    selectInputVolume(await handle.context.loadVolume(input.moving), undefined, 'moving'),
    `moving: ${inputName(input.moving)}`,
  );
  for (const [name, v] of [
    ['fixed', fixed],
    ['moving', movingOriginal],
  ] as const) {
    if (v.geometry.size[2] < 2) throw new InputError(`model '${entry.id}' registers 3D volumes; ${name} image is 2D`, { modelId: entry.id, input: name });
  }
  const warnings: string[] = [];
  let moving = movingOriginal;
  if (!sameGrid(moving.geometry, fixed.geometry)) {
    moving = resampleOntoGrid(movingOriginal, fixed.geometry);
    warnings.push('moving image was not on the fixed grid and was resampled onto it (trilinear) before the network');
  }
  const space = entry.space ? { space: entry.space } : {};
  const preFixed = runPreprocessPlan(fixed, entry.preprocess, space);
  const preMoving = runPreprocessPlan(moving, entry.preprocess, space);
  const before = performance.now();
  const outputs = await handle.session.run(buildFeeds(handle, { fixed: preFixed.tensor, moving: preMoving.tensor }));
  const timing = { inferenceMs: performance.now() - before };
  const raw = toFloat32(outputByName(outputs, handle));
  const modelGrid = preFixed.volume.geometry;
  const { integrate, align } = fieldSteps(entry);
  let field = fieldFromTensor(raw, axisOrderOf(preFixed), modelGrid, align);
  if (integrate) field = integrateVelocity(field, integrate);
  // A coarse (half-resolution) field is upsampled and converted to mm in one pass.
  const coarse = !field.geometry.size.every((n, a) => n === modelGrid.size[a]);
  const mmOnModelGrid = coarse ? upsampleField(field, modelGrid, { units: 'mm', align }) : convertFieldToMm(field);
  // Plans that change no geometry (VoxelMorph: intensity scaling only) leave the model grid equal
  // to the fixed grid: the field is relabelled instead of going through two full-size layout copies.
  const displacement = sameGrid(modelGrid, fixed.geometry)
    ? createVolume({ geometry: fixed.geometry, data: mmOnModelGrid.data, components: 3, meta: { displacementUnits: 'mm' } })
    : toComponents(invertToInputGrid(toPlanar3(mmOnModelGrid), preFixed.records, { interpolation: 'linear' }));
  const warped = warpVolume(movingOriginal, displacement, { units: 'mm', interpolation: 'linear', padding: 'zeros' });
  const labelsVolume = input.movingLabels === undefined ? undefined : await handle.context.loadVolume(input.movingLabels);
  const jac = computeJacobianDeterminant(displacement, { units: 'mm' });
  const result: RegistrationResult = {
    displacement,
    warped,
    ...(labelsVolume ? { warpedLabels: warpVolume(labelsVolume, displacement, { units: 'mm', interpolation: 'nearest', padding: 'zeros' }) } : {}),
    jacobian: jac.determinant,
    foldingPercent: jac.foldingPercent,
    ...(input.landmarks ? { tre: landmarkTre(displacement, fixed, movingOriginal, input.landmarks) } : {}),
    provenance: createProvenance(handle, [preFixed.records, preMoving.records], [inputName(input.fixed), inputName(input.moving)], started, timing),
    warnings,
  };
  return result;
}

function landmarkTre(displacement: Volume, fixed: Volume, moving: Volume, landmarks: NonNullable<RegistrationInput['landmarks']>): TreSummary {
  if (landmarks.fixed.length !== landmarks.moving.length || landmarks.fixed.length % 3 !== 0 || landmarks.fixed.length === 0) {
    throw new InputError(
      `landmarks: fixed and moving need the same number of 3D points (got ${landmarks.fixed.length / 3} and ${landmarks.moving.length / 3})`,
      { field: 'landmarks' },
    );
  }
  const predictedVoxels = displacePoints(displacement, landmarks.fixed, { units: 'mm', outside: 'border' });
  // predictedVoxels are fixed-grid voxel indices shifted by u in fixed voxels; world() gives mm.
  const predicted = pointsToWorld(predictedVoxels, fixed.geometry);
  return summarizeTre(predicted, pointsToWorld(landmarks.moving, moving.geometry), pointsToWorld(landmarks.fixed, fixed.geometry));
}

/** Interleaved 3-component field -> planar frames (what invertToInputGrid expects). */
function toPlanar3(field: Volume): Volume {
  const n = field.data.length / 3;
  const out = new Float32Array(field.data.length);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[c * n + p] = field.data[3 * p + c]!;
  return createVolume({ geometry: field.geometry, data: out, frames: 3, meta: field.meta });
}

function toComponents(planar: Volume): Volume<'float32'> {
  const n = planar.data.length / 3;
  const out = new Float32Array(planar.data.length);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[3 * p + c] = planar.data[c * n + p]!;
  return createVolume({ geometry: planar.geometry, data: out, components: 3, meta: { displacementUnits: 'mm' } });
}

export async function createRegistrationPipeline(context: PipelineContext, model: string | ModelEntry): Promise<RegistrationPipeline> {
  // A contradictory entry is refused before a session is made (and again for an id's entry).
  if (typeof model !== 'string') fieldSteps(model);
  const handle = await openModelHandle(context, model, 'registration');
  fieldSteps(handle.entry);
  return {
    task: 'registration',
    entry: handle.entry,
    provider: handle.session.provider,
    run: (input) => register(handle, input),
    dispose: () => handle.session.dispose(),
  };
}

export const registrationTask = defineTask({ name: 'registration', postprocessOps: TASK_POSTPROCESS_OPS.registration, create: createRegistrationPipeline });
