/**
 * The grid-accelerated NMS against a direct transcription of torchvision's O(n^2) nms_kernel
 * loop (float32 arithmetic via Math.fround) on distributions that stress the grid: identical
 * boxes, dense clusters, huge boxes among tiny ones, degenerate extents and 3D boxes.
 */
import { describe, expect, it } from 'vitest';
import { selectNms } from '../../src/ops.js';

function referenceNms(boxes: Float32Array, scores: Float32Array, dims: 2 | 3, iou: number, classes?: Int32Array): number[] {
  const n = scores.length;
  const s = dims * 2;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const area = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let a = Math.fround(boxes[i * s + dims]! - boxes[i * s]!);
    for (let d = 1; d < dims; d++) a = Math.fround(a * Math.fround(boxes[i * s + dims + d]! - boxes[i * s + d]!));
    area[i] = a;
  }
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let x = 0; x < n; x++) {
    const i = order[x]!;
    if (suppressed[i]) continue;
    keep.push(i);
    for (let y = x + 1; y < n; y++) {
      const j = order[y]!;
      if (suppressed[j] || (classes && classes[i] !== classes[j])) continue;
      let inter = 1;
      for (let d = 0; d < dims; d++) {
        const w = Math.max(0, Math.fround(Math.min(boxes[i * s + dims + d]!, boxes[j * s + dims + d]!) - Math.max(boxes[i * s + d]!, boxes[j * s + d]!)));
        inter = d === 0 ? w : Math.fround(inter * w);
      }
      const ovr = Math.fround(inter / Math.fround(Math.fround(area[i]! + area[j]!) - inter));
      if (ovr > iou) suppressed[j] = 1;
    }
  }
  return keep;
}

/** Deterministic xorshift so the cases are reproducible without fixtures. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function makeBoxes(
  n: number,
  dims: 2 | 3,
  rnd: () => number,
  place: (i: number) => { lo: number[]; size: number[] },
): { boxes: Float32Array; scores: Float32Array; classes: Int32Array } {
  const boxes = new Float32Array(n * dims * 2);
  const scores = new Float32Array(n);
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const { lo, size } = place(i);
    for (let d = 0; d < dims; d++) {
      boxes[i * dims * 2 + d] = lo[d]!;
      boxes[i * dims * 2 + dims + d] = lo[d]! + size[d]!;
    }
    scores[i] = Math.fround(rnd());
    classes[i] = Math.floor(rnd() * 3);
  }
  return { boxes, scores, classes };
}

describe('grid NMS equals the O(n^2) torchvision loop on stress distributions', () => {
  const rnd = random(12345);
  const cases: [string, 2 | 3, ReturnType<typeof makeBoxes>][] = [
    ['identical boxes', 2, makeBoxes(300, 2, rnd, () => ({ lo: [10, 10], size: [5, 5] }))],
    ['dense cluster', 2, makeBoxes(1500, 2, rnd, () => ({ lo: [100 + rnd() * 10, 100 + rnd() * 10], size: [20 + rnd() * 5, 20 + rnd() * 5] }))],
    [
      'huge among tiny',
      2,
      makeBoxes(2000, 2, rnd, (i) =>
        i % 50 === 0
          ? { lo: [rnd() * 100, rnd() * 100], size: [5000 * rnd(), 5000 * rnd()] }
          : { lo: [rnd() * 5000, rnd() * 5000], size: [1 + rnd() * 8, 1 + rnd() * 8] },
      ),
    ],
    ['zero extent on one axis', 2, makeBoxes(800, 2, rnd, () => ({ lo: [rnd() * 300, 42], size: [10 + rnd() * 30, rnd() < 0.5 ? 0 : 10] }))],
    ['3D clustered', 3, makeBoxes(1500, 3, rnd, () => ({ lo: [rnd() * 60, rnd() * 60, rnd() * 20], size: [5 + rnd() * 15, 5 + rnd() * 15, 3 + rnd() * 6] }))],
  ];
  for (const [name, dims, data] of cases) {
    for (const iou of [0, 0.3, 0.7]) {
      it(`${name}, iou ${iou}`, () => {
        expect(Array.from(selectNms({ ...data, dims }, { iou }))).toEqual(referenceNms(data.boxes, data.scores, dims, iou));
        expect(Array.from(selectNms({ ...data, dims }, { iou, classAware: true }))).toEqual(referenceNms(data.boxes, data.scores, dims, iou, data.classes));
      });
    }
  }
});
