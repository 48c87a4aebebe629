/**
 * Decoding raw detector outputs into flat detections (xyxy boxes in the model input's pixel
 * units; undoing letterbox / resize is the pipeline's job).
 * - YOLOv8/11 ONNX head: [1, 4 + nc, N], rows cx, cy, w, h then nc class scores already passed
 *   through sigmoid, no objectness. As ultralytics' non_max_suppression (single-label mode), each
 *   anchor takes its best class and is kept when that score > confidence (strict).
 * - End-to-end heads (YOLOv10 / nms=True exports): [1, K, 6] rows x1, y1, x2, y2, score, class,
 *   kept when score > confidence.
 */
import { InputError, ShapeError } from '../../core/errors.js';
import { requireInteger, requireNumberInRange, type NumericArray } from '../common/checks.js';

export interface Detections {
  /** Corner boxes, 4 (2D) or 6 (3D) values per detection, float32 as model outputs are. */
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly classes: Int32Array;
  readonly dims: 2 | 3;
}

export function countDetections(d: Detections): number {
  return d.scores.length;
}

export interface DecodeYoloOptions {
  confidence: number;
  numClasses: number;
}

export function decodeYolo(output: NumericArray, dims: readonly number[], options: DecodeYoloOptions): Detections {
  const confidence = requireNumberInRange(options.confidence, 'confidence', 0, 1);
  const nc = requireInteger(options.numClasses, 'numClasses', 1);
  if (dims.length !== 3 || dims[0] !== 1 || dims[1] !== 4 + nc) {
    throw new ShapeError(`YOLO output dims [${dims.join(', ')}] do not match [1, ${4 + nc}, N] for ${nc} classes`, {
      expected: [1, 4 + nc, 'N'],
      actual: [...dims],
    });
  }
  const n = dims[2]!;
  if (output.length !== (4 + nc) * n) throw new ShapeError(`YOLO output has ${output.length} values, dims need ${(4 + nc) * n}`);
  const keep: number[] = [];
  const bestClass = new Int32Array(n);
  const bestScore = new Float32Array(n);
  for (let a = 0; a < n; a++) {
    let best = 0;
    let score = output[4 * n + a]!;
    for (let c = 1; c < nc; c++) {
      const s = output[(4 + c) * n + a]!;
      if (s > score) {
        score = s;
        best = c;
      }
    }
    if (score !== score) throw new InputError(`YOLO class score is NaN at anchor ${a}`, { anchor: a });
    bestClass[a] = best;
    bestScore[a] = score;
    if (score > confidence) keep.push(a);
  }
  const boxes = new Float32Array(keep.length * 4);
  const scores = new Float32Array(keep.length);
  const classes = new Int32Array(keep.length);
  keep.forEach((a, r) => {
    const cx = output[a]!;
    const cy = output[n + a]!;
    const w = output[2 * n + a]!;
    const h = output[3 * n + a]!;
    if (!Number.isFinite(cx + cy + w + h) || w < 0 || h < 0) throw new InputError(`YOLO box at anchor ${a} is not finite or has negative size`, { anchor: a });
    boxes[r * 4] = cx - w / 2;
    boxes[r * 4 + 1] = cy - h / 2;
    boxes[r * 4 + 2] = cx + w / 2;
    boxes[r * 4 + 3] = cy + h / 2;
    scores[r] = bestScore[a]!;
    classes[r] = bestClass[a]!;
  });
  return { boxes, scores, classes, dims: 2 };
}

export function decodeEndToEnd(output: NumericArray, dims: readonly number[], options: { confidence: number }): Detections {
  const confidence = requireNumberInRange(options.confidence, 'confidence', 0, 1);
  if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== 6)
    throw new ShapeError(`end-to-end output dims [${dims.join(', ')}] are not [1, K, 6]`, { expected: [1, 'K', 6], actual: [...dims] });
  const k = dims[1]!;
  if (output.length !== k * 6) throw new ShapeError(`end-to-end output has ${output.length} values, dims need ${k * 6}`);
  const keep: number[] = [];
  for (let r = 0; r < k; r++) {
    const s = output[r * 6 + 4]!;
    if (s !== s) throw new InputError(`end-to-end score is NaN at row ${r}`, { row: r });
    if (s > confidence) keep.push(r);
  }
  const boxes = new Float32Array(keep.length * 4);
  const scores = new Float32Array(keep.length);
  const classes = new Int32Array(keep.length);
  keep.forEach((r, o) => {
    for (let a = 0; a < 4; a++) boxes[o * 4 + a] = output[r * 6 + a]!;
    if (!Number.isFinite(boxes[o * 4]! + boxes[o * 4 + 1]! + boxes[o * 4 + 2]! + boxes[o * 4 + 3]!))
      throw new InputError(`end-to-end box at row ${r} is not finite`, { row: r });
    scores[o] = output[r * 6 + 4]!;
    const c = output[r * 6 + 5]!;
    if (!Number.isInteger(c) || c < 0) throw new InputError(`end-to-end class at row ${r} is not a non-negative integer (${c})`, { row: r });
    classes[o] = c;
  });
  return { boxes, scores, classes, dims: 2 };
}
