/**
 * Decodes a detector's raw outputs (model-input tensor coordinates) as its manifest declares:
 * - decodeYolo: [1, 4 + nc, N] (2D: cx, cy, w, h) or [1, 6 + nc, N] (3D: cx, cy, cz, w, h, d),
 *   class scores after sigmoid, no objectness (YOLOv8 / v11 head and its 3D analogue);
 * - decodeEndToEnd: [1, K, 6] rows x1, y1, x2, y2, score, class;
 * - no decode step: two outputs, corner boxes [N, 4 | 6] and scores [N] (e.g. a RetinaNet with
 *   its anchor decoding exported in the graph).
 */
import { InputError, ManifestError } from '../core/errors.js';
import type { ModelEntry } from '../manifest/types.js';
import { postprocessOfTask, type PostprocessStepOf } from '../manifest/task-ops.js';
import { decodeEndToEnd, decodeYolo, type Detections } from '../postprocess/detection/decode.js';
import type { TensorMap } from '../core/tensor.js';
import type { ModelHandle } from './model-handle.js';

function decodeYolo3d(data: Float32Array, dims: readonly number[], confidence: number, nc: number): Detections {
  const n = dims[2]!;
  const boxes: number[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  for (let a = 0; a < n; a++) {
    let best = 0;
    let score = data[6 * n + a]!;
    for (let c = 1; c < nc; c++) if (data[(6 + c) * n + a]! > score) (score = data[(6 + c) * n + a]!), (best = c);
    if (score !== score) throw new InputError(`3D detector score is NaN at anchor ${a}`, { anchor: a });
    if (score <= confidence) continue;
    const centre = [data[a]!, data[n + a]!, data[2 * n + a]!];
    const size = [data[3 * n + a]!, data[4 * n + a]!, data[5 * n + a]!];
    if (![...centre, ...size].every(Number.isFinite) || size.some((s) => s < 0))
      throw new InputError(`3D detector box at anchor ${a} is not finite or has negative size`, { anchor: a });
    boxes.push(...centre.map((c, i) => c - size[i]! / 2), ...centre.map((c, i) => c + size[i]! / 2));
    scores.push(score);
    classes.push(best);
  }
  return { boxes: Float32Array.from(boxes), scores: Float32Array.from(scores), classes: Int32Array.from(classes), dims: 3 };
}

/** A detector's postprocess as the pipeline runs it: at most one decode step, then NMS. */
export interface DetectionSteps {
  readonly decode?: Extract<PostprocessStepOf<'detection'>, { op: 'decodeYolo' | 'decodeEndToEnd' }>;
  readonly nms?: Extract<PostprocessStepOf<'detection'>, { op: 'nms' }>;
}

export function detectionSteps(entry: ModelEntry): DetectionSteps {
  let decode: DetectionSteps['decode'];
  let nms: DetectionSteps['nms'];
  for (const step of postprocessOfTask('detection', entry)) {
    switch (step.op) {
      case 'decodeYolo':
      case 'decodeEndToEnd':
        decode ??= step;
        break;
      case 'nms':
        nms ??= step;
        break;
      default: {
        const exhaustive: never = step;
        return exhaustive;
      }
    }
  }
  return { ...(decode ? { decode } : {}), ...(nms ? { nms } : {}) };
}

export function decodeDetections(
  handle: ModelHandle,
  outputs: TensorMap,
  spatialDims: 2 | 3,
  steps: DetectionSteps = detectionSteps(handle.entry),
): Detections {
  const entry = handle.entry;
  const first = outputs[entry.io.outputs[0]!.name];
  if (!first) throw new InputError(`model '${entry.id}' returned no output '${entry.io.outputs[0]!.name}'`);
  const data = first.data as Float32Array;
  const step = steps.decode;
  if (step?.op === 'decodeYolo') {
    const nc = step.numClasses;
    const confidence = step.confidence;
    if (spatialDims === 3 || first.dims[1] === 6 + nc) return decodeYolo3d(data, first.dims, confidence, nc);
    return decodeYolo(data, first.dims, { confidence, numClasses: nc });
  }
  if (step?.op === 'decodeEndToEnd') return decodeEndToEnd(data, first.dims, { confidence: step.confidence });
  const scoresSpec = entry.io.outputs[1];
  const scores = scoresSpec ? outputs[scoresSpec.name] : undefined;
  if (!scores)
    throw new ManifestError(`model '${entry.id}': a detector needs decodeYolo / decodeEndToEnd or two outputs (boxes, scores)`, { modelId: entry.id });
  const per = spatialDims * 2;
  if (data.length !== scores.data.length * per)
    throw new InputError(`model '${entry.id}': ${data.length / per} boxes but ${scores.data.length} scores`, { modelId: entry.id });
  return {
    boxes: Float32Array.from(data),
    scores: Float32Array.from(scores.data as Float32Array),
    classes: new Int32Array(scores.data.length),
    dims: spatialDims,
  };
}

/** Shifts window-local boxes by the window's start (tensor coordinates along the box axes). */
export function offsetDetections(d: Detections, offset: readonly number[]): Detections {
  const boxes = Float32Array.from(d.boxes);
  const stride = d.dims * 2;
  for (let b = 0; b < boxes.length; b += stride) for (let a = 0; a < stride; a++) boxes[b + a] = boxes[b + a]! + offset[a % d.dims]!;
  return { ...d, boxes };
}

export function mergeDetections(list: readonly Detections[], dims: 2 | 3): Detections {
  const boxes = new Float32Array(list.reduce((n, d) => n + d.boxes.length, 0));
  const scores = new Float32Array(list.reduce((n, d) => n + d.scores.length, 0));
  const classes = new Int32Array(scores.length);
  let b = 0;
  let s = 0;
  for (const d of list) {
    boxes.set(d.boxes, b);
    scores.set(d.scores, s);
    classes.set(d.classes, s);
    b += d.boxes.length;
    s += d.scores.length;
  }
  return { boxes, scores, classes, dims };
}

/**
 * Keeps the detections whose box centre lies inside [0, extent] along each box axis (edge
 * convention, model-grid voxels). Sliding windows zero-pad a scan thinner than the window (real
 * CT: 16 slices at 2.5 mm against a 32-slice window); a detector can fire in that padding, and
 * such a box is no finding of the scan - it would also crowd real candidates out of NMS's cap.
 */
export function keepCentresInside(d: Detections, extent: readonly number[]): Detections {
  const stride = d.dims * 2;
  const keep: number[] = [];
  for (let b = 0; b < d.scores.length; b++) {
    let inside = true;
    for (let a = 0; a < d.dims; a++) {
      const c = (d.boxes[b * stride + a]! + d.boxes[b * stride + d.dims + a]!) / 2;
      if (!(c >= 0 && c <= extent[a]!)) inside = false;
    }
    if (inside) keep.push(b);
  }
  if (keep.length === d.scores.length) return d;
  const boxes = new Float32Array(keep.length * stride);
  keep.forEach((b, n) => boxes.set(d.boxes.subarray(b * stride, (b + 1) * stride), n * stride));
  return { boxes, scores: Float32Array.from(keep, (b) => d.scores[b]!), classes: Int32Array.from(keep, (b) => d.classes[b]!), dims: d.dims };
}
