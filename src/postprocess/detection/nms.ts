/**
 * Greedy non-maximum suppression in 2D and 3D, reproducing torchvision.ops.nms / batched_nms:
 * candidates are visited by descending score; a candidate is dropped when its IoU with an already
 * kept box is > `iou` (strict). IoU arithmetic is float32 in torchvision's operation order
 * (areas, then w*h, then inter / (areaA + areaB - inter)), emulated with Math.fround, so kept
 * indices are identical on float32 boxes, including near-threshold pairs. Equal scores keep the
 * lower index first (stable order). Class-aware mode is per-class NMS (torchvision's
 * _batched_nms_vanilla, which batched_nms uses on CPU above 1000 boxes); its coordinate-offset
 * path for small inputs can differ in the last float32 bit of near-threshold IoUs.
 *
 * Speed: instead of torchvision's O(n * kept) sweep, kept boxes are indexed in a uniform grid and
 * each candidate is tested only against kept boxes sharing a cell. Pairs that share no cell have
 * no positive-volume overlap (IoU 0), which can never exceed a threshold >= 0, so the result is
 * the same set in the same order.
 */
import { InputError, ShapeError } from '../../core/errors.js';
import { assertNoNaN, requireInteger, requireNumberInRange } from '../common/checks.js';
import { validateCornerBoxes } from './boxes.js';
import type { Detections } from './decode.js';

export interface NmsOptions {
  /** Suppress when IoU > iou. In [0, 1]. */
  iou: number;
  /** Candidates with score <= scoreThreshold are dropped first. Default: none dropped. */
  scoreThreshold?: number;
  /** Keep at most this many (best first) after suppression. Default: all. */
  maxDetections?: number;
  /** Only boxes of the same class suppress each other (torchvision batched_nms). Default false. */
  classAware?: boolean;
}

export interface NmsInput {
  /** Corner boxes: xyxy (dims 2) or xyzxyz (dims 3), flat. */
  boxes: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** Required when classAware. */
  classes?: ArrayLike<number>;
  dims?: 2 | 3;
}

const MAX_CELLS = [1 << 16, 1 << 15] as const;

interface Candidates {
  /** Corner coordinates in visiting order, float32 like a float32 tensor. */
  readonly c: Float32Array;
  readonly area: Float32Array;
  readonly cls: Int32Array;
  readonly lo: number[];
  readonly hi: number[];
  /** Sum of box extents per axis (for the grid cell size). */
  readonly extent: number[];
}

interface Grid {
  readonly cells: number[];
  readonly inv: number[];
  readonly lo: number[];
}

/** Kept indices into the input, best score first. */
export function selectNms(input: NmsInput, options: NmsOptions): Int32Array {
  const dims = input.dims ?? 2;
  const n = input.scores.length;
  const iou = requireNumberInRange(options.iou, 'iou', 0, 1);
  const classAware = options.classAware ?? false;
  const maxDet = options.maxDetections === undefined ? n : requireInteger(options.maxDetections, 'maxDetections', 1);
  validateNmsInput(input, dims, classAware);
  const minScore = options.scoreThreshold ?? -Infinity;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (input.scores[i]! > minScore) order.push(i);
  const scores = input.scores;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const cand = compactCandidates(input, order, dims, classAware);
  const kept = suppress(cand, sizeGrid(cand, dims, order.length), dims, iou, classAware, maxDet);
  const out = new Int32Array(kept.length);
  for (let i = 0; i < kept.length; i++) out[i] = order[kept[i]!]!;
  return out;
}

function validateNmsInput(input: NmsInput, dims: 2 | 3, classAware: boolean): void {
  const stride = dims * 2;
  const n = input.scores.length;
  if (input.boxes.length !== n * stride)
    throw new ShapeError(`${input.boxes.length} box values for ${n} scores (${stride} per box)`, { expected: n * stride, actual: input.boxes.length });
  validateCornerBoxes(input.boxes, dims);
  assertNoNaN(input.scores, 'scores');
  if (!classAware) return;
  const classes = input.classes;
  if (!classes || classes.length !== n) throw new ShapeError(`classAware NMS needs one class per box (${classes?.length ?? 0} for ${n})`);
  for (let i = 0; i < n; i++) {
    const c = classes[i]!;
    if (!Number.isInteger(c) || c < -2147483648 || c > 2147483647) throw new InputError(`class of box ${i} is not a 32-bit integer (${c})`, { box: i });
  }
}

function compactCandidates(input: NmsInput, order: readonly number[], dims: 2 | 3, classAware: boolean): Candidates {
  const stride = dims * 2;
  const m = order.length;
  const c = new Float32Array(m * stride);
  const area = new Float32Array(m);
  const cls = new Int32Array(m);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  const extent = [0, 0, 0];
  for (let r = 0; r < m; r++) {
    const src = order[r]! * stride;
    let a = 1;
    for (let d = 0; d < dims; d++) {
      c[r * stride + d] = input.boxes[src + d]!;
      c[r * stride + dims + d] = input.boxes[src + dims + d]!;
      const pf = c[r * stride + d]!;
      const qf = c[r * stride + dims + d]!;
      // torchvision areas: (x2 - x1) * (y2 - y1) [* (z2 - z1)], float32 left to right.
      a = d === 0 ? Math.fround(qf - pf) : Math.fround(a * Math.fround(qf - pf));
      if (pf < lo[d]!) lo[d] = pf;
      if (qf > hi[d]!) hi[d] = qf;
      extent[d] = extent[d]! + (qf - pf);
    }
    area[r] = a;
    if (classAware) cls[r] = input.classes![order[r]!]!;
  }
  return { c, area, cls, lo, hi, extent };
}

/** Uniform grid: cell edge ~ mean box extent, capped so the grid stays small. */
function sizeGrid(cand: Candidates, dims: 2 | 3, m: number): Grid {
  const cells = [1, 1, 1];
  const inv = [0, 0, 0];
  const perAxisCap = Math.floor(MAX_CELLS[dims - 2]! ** (1 / dims));
  for (let d = 0; d < dims && m > 0; d++) {
    const range = cand.hi[d]! - cand.lo[d]!;
    const mean = cand.extent[d]! / m;
    const count = range > 0 ? Math.max(1, Math.min(perAxisCap, Math.floor(range / Math.max(mean, range / perAxisCap)))) : 1;
    cells[d] = count;
    inv[d] = range > 0 ? count / range : 0;
  }
  return { cells, inv, lo: cand.lo };
}

/**
 * Greedy pass in score order; returns kept candidate ranks. One function on purpose: the cell
 * lists, stamps and coordinates stay local to the hot loop.
 */
function suppress(cand: Candidates, grid: Grid, dims: 2 | 3, iou: number, classAware: boolean, maxDet: number): number[] {
  const { c, area, cls } = cand;
  const { cells, inv, lo } = grid;
  const stride = dims * 2;
  const m = area.length;
  const head = new Int32Array(cells[0]! * cells[1]! * cells[2]!).fill(-1);
  let next = new Int32Array(Math.max(16, m));
  let entryBox = new Int32Array(Math.max(16, m));
  let entries = 0;
  const seen = new Int32Array(m).fill(-1);
  const kept: number[] = [];
  const range = new Int32Array(6);

  for (let r = 0; r < m && kept.length < maxDet; r++) {
    const base = r * stride;
    for (let d = 0; d < 3; d++) {
      if (d >= dims) {
        range[d] = 0;
        range[3 + d] = 0;
        continue;
      }
      range[d] = cellOf(c[base + d]!, lo[d]!, inv[d]!, cells[d]!);
      range[3 + d] = cellOf(c[base + dims + d]!, lo[d]!, inv[d]!, cells[d]!);
    }
    let suppressed = false;
    scan: for (let z = range[2]!; z <= range[5]!; z++) {
      for (let y = range[1]!; y <= range[4]!; y++) {
        for (let x = range[0]!; x <= range[3]!; x++) {
          for (let e = head[x + cells[0]! * (y + cells[1]! * z)]!; e >= 0; e = next[e]!) {
            const k = entryBox[e]!;
            if (seen[k] === r) continue;
            seen[k] = r;
            if (classAware && cls[k] !== cls[r]) continue;
            const ov = dims === 2 ? iou2(c, k, r, area) : iou3(c, k, r, area);
            if (ov > iou) {
              suppressed = true;
              break scan;
            }
          }
        }
      }
    }
    if (suppressed) continue;
    kept.push(r);
    const need = entries + (range[3]! - range[0]! + 1) * (range[4]! - range[1]! + 1) * (range[5]! - range[2]! + 1);
    if (need > next.length) {
      const size = Math.max(need, next.length * 2);
      const grownNext = new Int32Array(size);
      grownNext.set(next);
      next = grownNext;
      const grownBox = new Int32Array(size);
      grownBox.set(entryBox);
      entryBox = grownBox;
    }
    for (let z = range[2]!; z <= range[5]!; z++) {
      for (let y = range[1]!; y <= range[4]!; y++) {
        for (let x = range[0]!; x <= range[3]!; x++) {
          const cell = x + cells[0]! * (y + cells[1]! * z);
          entryBox[entries] = r;
          next[entries] = head[cell]!;
          head[cell] = entries++;
        }
      }
    }
  }
  return kept;
}

function cellOf(v: number, lo: number, inv: number, count: number): number {
  const cell = Math.floor((v - lo) * inv);
  return cell < 0 ? 0 : cell >= count ? count - 1 : cell;
}

/** torchvision nms_kernel IoU in float32: a = kept box, b = candidate. */
function iou2(c: Float32Array, a: number, b: number, area: Float32Array): number {
  const pa = a * 4;
  const pb = b * 4;
  const w = Math.fround(Math.min(c[pa + 2]!, c[pb + 2]!) - Math.max(c[pa]!, c[pb]!));
  const h = Math.fround(Math.min(c[pa + 3]!, c[pb + 3]!) - Math.max(c[pa + 1]!, c[pb + 1]!));
  if (w <= 0 || h <= 0) return 0;
  const inter = Math.fround(w * h);
  return Math.fround(inter / Math.fround(Math.fround(area[a]! + area[b]!) - inter));
}

/** The same in 3D (MONAI box_iou layout), volumes as (dx * dy) * dz in float32. */
function iou3(c: Float32Array, a: number, b: number, area: Float32Array): number {
  const pa = a * 6;
  const pb = b * 6;
  const w = Math.fround(Math.min(c[pa + 3]!, c[pb + 3]!) - Math.max(c[pa]!, c[pb]!));
  const h = Math.fround(Math.min(c[pa + 4]!, c[pb + 4]!) - Math.max(c[pa + 1]!, c[pb + 1]!));
  const d = Math.fround(Math.min(c[pa + 5]!, c[pb + 5]!) - Math.max(c[pa + 2]!, c[pb + 2]!));
  if (w <= 0 || h <= 0 || d <= 0) return 0;
  const inter = Math.fround(Math.fround(w * h) * d);
  return Math.fround(inter / Math.fround(Math.fround(area[a]! + area[b]!) - inter));
}

/** NMS on decoded detections; returns the kept detections, best first. */
export function applyNms(detections: Detections, options: NmsOptions): Detections {
  const keep = selectNms({ boxes: detections.boxes, scores: detections.scores, classes: detections.classes, dims: detections.dims }, options);
  const stride = detections.dims * 2;
  const boxes = new Float32Array(keep.length * stride);
  const scores = new Float32Array(keep.length);
  const classes = new Int32Array(keep.length);
  keep.forEach((k, r) => {
    boxes.set(detections.boxes.subarray(k * stride, k * stride + stride), r * stride);
    scores[r] = detections.scores[k]!;
    classes[r] = detections.classes[k]!;
  });
  return { boxes, scores, classes, dims: detections.dims };
}
