/**
 * Detection pipeline, 2D (YOLO-style: letterbox in, boxes out in original pixels) and 3D (CT:
 * declared spacing / orientation / intensity plan, whole-volume or sliding-window inference,
 * 3D NMS, boxes in input voxels and LPS world mm, LUNA16 candidate rows).
 * Box coordinates use the edge convention (pixel c spans [c, c + 1)) as YOLO and MONAI do; the
 * axes they run along are the model output's `axisOrder` (default 'ij' / 'ijk': x = column).
 */
import { InputError } from '../core/errors.js';
import type { Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import { labelNames } from '../manifest/load.js';
import type { ModelEntry } from '../manifest/types.js';
import { applyNms } from '../postprocess/detection/nms.js';
import type { Detections } from '../postprocess/detection/decode.js';
import { mapBoxesToInput, type MappedBox } from '../preprocess/map-points.js';
import { runPreprocessPlan, type PreprocessResult } from '../preprocess/run-plan.js';
import { windowStarts } from '../runtime/sliding-window/placement.js';
import { WindowCutter } from '../runtime/sliding-window/window-cutter.js';
import { decodeDetections, detectionSteps, keepCentresInside, mergeDetections, offsetDetections } from './detection-decode.js';
import { toFloat32 } from './infer-dense.js';
import { checkImageInput } from './classification.js';
import { createProvenance, inputName, openModelHandle, type ModelHandle } from './model-handle.js';
import { selectInputVolume } from './select-volume.js';
import { assertFiniteInput } from './model-inputs.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';
import { TASK_POSTPROCESS_OPS } from '../manifest/task-ops.js';
import { defineTask } from './task-definition.js';

export interface Detection {
  readonly label: string;
  readonly classIndex: number;
  readonly score: number;
  /** Box on the input grid (continuous voxel / pixel indices, edge convention) and in world mm. */
  readonly box: MappedBox;
  /** Extent of the world box in mm (x, y, z). */
  readonly sizeMm: Vec3;
}

export interface Luna16Candidate {
  readonly seriesuid: string;
  readonly coordX: number;
  readonly coordY: number;
  readonly coordZ: number;
  readonly probability: number;
}

export interface DetectionResult {
  readonly detections: Detection[];
  /** LUNA16 candidate rows (world mm centres), for 3D models. */
  readonly luna16?: Luna16Candidate[];
  readonly provenance: Provenance;
}

export interface DetectionPipeline extends PipelineBase {
  readonly task: 'detection';
  /** `volume`: which volume of a multi-volume input (4D DICOM) to search, 0-based; required for those. */
  run(input: ImageInput, options?: { seriesuid?: string; volume?: number; onProgress?: (done: number, total: number) => void }): Promise<DetectionResult>;
}

function tensorAxes(pre: PreprocessResult, spatial: number): string {
  const rec = [...pre.records].reverse().find((r) => r.op === 'toTensor');
  const order = String(rec?.details?.['axisOrder'] ?? (spatial === 2 ? 'ji' : 'kji'));
  return spatial === 2 && order.length === 3 ? order.slice(1) : order;
}

async function runWhole(handle: ModelHandle, pre: PreprocessResult, spatial: 2 | 3): Promise<Detections> {
  const name = handle.entry.io.inputs[0]!.name;
  const t = toFloat32(pre.tensor);
  const outputs = await handle.session.run({ [name]: { type: 'float32', dims: t.dims, data: t.data } });
  return decodeDetections(handle, outputs, spatial);
}

/** Cuts [1, C, ...roi] windows (zero padding past the edge), decodes each, shifts boxes back. */
async function runWindows(handle: ModelHandle, pre: PreprocessResult, boxAxes: string, onProgress?: (d: number, t: number) => void): Promise<Detections> {
  const spec = handle.entry.inference;
  if (spec.mode !== 'slidingWindow') throw new InputError('internal: runWindows needs a sliding-window spec');
  const t = toFloat32(pre.tensor);
  const [, channels, s0, s1, s2] = t.dims as [number, number, number, number, number];
  const roi = spec.roi as [number, number, number];
  const starts = [s0, s1, s2].map((s, d) => windowStarts(spec.placement ?? 'monai', Math.max(s, roi[d]!), roi[d]!, spec.overlap));
  const axes = tensorAxes(pre, 3);
  const name = handle.entry.io.inputs[0]!.name;
  const found: Detections[] = [];
  const total = starts[0]!.length * starts[1]!.length * starts[2]!.length;
  let done = 0;
  // One window buffer for the whole run (the cutter's; session.run has finished with its input
  // when it resolves): rows staged and copied by the kernels (window-cutter.ts) instead of one
  // typed-array view per row, whose garbage the collector chased. Windows that reach past the
  // volume (only when it is smaller than the roi) are zero-filled there (no padding before).
  const cutter = new WindowCutter(t, { size: [s0, s1, s2], roi, padBefore: [0, 0, 0], starts }, 1, 0);
  for (const a of starts[0]!)
    for (const b of starts[1]!)
      for (const c of starts[2]!) {
        const win = cutter.cut([[a, b, c]]);
        const outputs = await handle.session.run({ [name]: { type: 'float32', dims: [1, channels, ...roi], data: win } });
        const startByVolumeAxis: Record<string, number> = { [axes[0]!]: a, [axes[1]!]: b, [axes[2]!]: c };
        found.push(
          offsetDetections(
            decodeDetections(handle, outputs, 3),
            [...boxAxes].map((ax) => startByVolumeAxis[ax]!),
          ),
        );
        onProgress?.(++done, total);
      }
  const size = pre.volume.geometry.size;
  return keepCentresInside(
    mergeDetections(found, 3),
    [...boxAxes].map((ax) => size['ijk'.indexOf(ax)]!),
  );
}

async function detect(
  handle: ModelHandle,
  input: ImageInput,
  options: { seriesuid?: string; volume?: number; onProgress?: (d: number, t: number) => void },
): Promise<DetectionResult> {
  const started = Date.now();
  const entry = handle.entry;
  const name = inputName(input);
  const volume: Volume = assertFiniteInput(selectInputVolume(await handle.context.loadVolume(input), options.volume, name), name);
  checkImageInput(volume, entry, name);
  const spatial: 2 | 3 = entry.dimensionality === 3 ? 3 : 2;
  if (spatial === 3 && volume.geometry.size[2] < 2)
    throw new InputError(`model '${entry.id}' detects in 3D volumes; ${name} is 2D`, { file: name, modelId: entry.id });
  const pre = runPreprocessPlan(volume, entry.preprocess, entry.space ? { space: entry.space } : {});
  const boxAxes = entry.io.outputs[0]!.axisOrder ?? (spatial === 2 ? 'ij' : 'ijk');
  const raw =
    entry.inference.mode === 'slidingWindow' && spatial === 3
      ? await runWindows(handle, pre, boxAxes, options.onProgress)
      : await runWhole(handle, pre, spatial);
  const nmsStep = detectionSteps(entry).nms;
  const kept = nmsStep
    ? applyNms(raw, {
        iou: nmsStep.iou,
        ...(nmsStep.scoreThreshold !== undefined ? { scoreThreshold: nmsStep.scoreThreshold } : {}),
        ...(nmsStep.maxDetections !== undefined ? { maxDetections: nmsStep.maxDetections } : {}),
        ...(nmsStep.classAware !== undefined ? { classAware: nmsStep.classAware } : {}),
      })
    : raw;
  const stride = kept.dims * 2;
  const boxes: number[][] = [];
  for (let b = 0; b < kept.scores.length; b++) boxes.push(Array.from(kept.boxes.subarray(b * stride, (b + 1) * stride)));
  const mapped = mapBoxesToInput(boxes, pre.records, { convention: 'edge', axes: boxAxes });
  const names = labelNames(entry);
  const detections: Detection[] = mapped.map((box, b) => ({
    label: names[kept.classes[b]!] ?? `class ${kept.classes[b]}`,
    classIndex: kept.classes[b]!,
    score: kept.scores[b]!,
    box,
    sizeMm: [box.world.max[0] - box.world.min[0], box.world.max[1] - box.world.min[1], box.world.max[2] - box.world.min[2]],
  }));
  const seriesuid = options.seriesuid ?? volume.meta.seriesInstanceUid ?? name;
  return {
    detections,
    ...(spatial === 3
      ? {
          luna16: detections.map((d) => ({
            seriesuid,
            coordX: d.box.world.center[0],
            coordY: d.box.world.center[1],
            coordZ: d.box.world.center[2],
            probability: d.score,
          })),
        }
      : {}),
    provenance: createProvenance(handle, [pre.records], [name], started),
  };
}

export async function createDetectionPipeline(context: PipelineContext, model: string | ModelEntry): Promise<DetectionPipeline> {
  const handle = await openModelHandle(context, model, 'detection');
  return {
    task: 'detection',
    entry: handle.entry,
    provider: handle.session.provider,
    run: (input, options = {}) => detect(handle, input, options),
    dispose: () => handle.session.dispose(),
  };
}

export const detectionTask = defineTask({ name: 'detection', postprocessOps: TASK_POSTPROCESS_OPS.detection, create: createDetectionPipeline });
