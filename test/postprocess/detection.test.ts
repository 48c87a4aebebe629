import { describe, expect, it } from 'vitest';
import { createGeometry, InputError, ShapeError, UsageError } from '../../src/index.js';
import { applyNms, convertBoxMode, decodeEndToEnd, decodeYolo, mapBoxesToWorld, selectNms } from '../../src/ops.js';
import { loadArray, maxAbsDiff, shapeOf } from './reference.js';

describe('NMS parity with torchvision 0.14 (10,000 random boxes incl. zero-size and huge ones)', () => {
  const boxes = loadArray('nms_boxes', 'float32');
  const scores = loadArray('nms_scores', 'float32');
  const classes = loadArray('nms_classes', 'int32');
  for (const iou of [3, 5, 7]) {
    it(`torchvision.ops.nms iou 0.${iou}: identical kept indices`, () => {
      const keep = selectNms({ boxes, scores }, { iou: iou / 10 });
      expect(Array.from(keep)).toEqual(Array.from(loadArray(`nms_keep_${iou}`, 'int32')));
    });
    it(`torchvision.ops.batched_nms iou 0.${iou}: identical kept indices`, () => {
      const keep = selectNms({ boxes, scores, classes }, { iou: iou / 10, classAware: true });
      expect(Array.from(keep)).toEqual(Array.from(loadArray(`nms_batched_keep_${iou}`, 'int32')));
    });
  }

  it('maxDetections truncates the best-first list; scoreThreshold filters first', () => {
    const all = selectNms({ boxes, scores }, { iou: 0.5 });
    expect(Array.from(selectNms({ boxes, scores }, { iou: 0.5, maxDetections: 25 }))).toEqual(Array.from(all.subarray(0, 25)));
    const filtered = selectNms({ boxes, scores }, { iou: 0.5, scoreThreshold: 0.6 });
    expect(filtered.every((k) => scores[k]! > 0.6)).toBe(true);
  });
});

describe('3D NMS (torchvision loop in float32, MONAI xyzxyz)', () => {
  const boxes = loadArray('nms3d_boxes', 'float32');
  const scores = loadArray('nms3d_scores', 'float32');
  const classes = loadArray('nms3d_classes', 'int32');
  it('class-agnostic and class-aware kept indices are identical', () => {
    expect(Array.from(selectNms({ boxes, scores, dims: 3 }, { iou: 0.3 }))).toEqual(Array.from(loadArray('nms3d_keep_3', 'int32')));
    expect(Array.from(selectNms({ boxes, scores, classes, dims: 3 }, { iou: 0.3, classAware: true }))).toEqual(
      Array.from(loadArray('nms3d_batched_keep_3', 'int32')),
    );
  });
});

describe('NMS input checks', () => {
  it('rejects NaN scores, inverted boxes, bad options', () => {
    expect(() => selectNms({ boxes: [0, 0, 1, 1], scores: [NaN] }, { iou: 0.5 })).toThrow(InputError);
    expect(() => selectNms({ boxes: [0, 0, -1, 1], scores: [1] }, { iou: 0.5 })).toThrow(InputError);
    expect(() => selectNms({ boxes: [0, 0, 1, 1], scores: [1, 2] }, { iou: 0.5 })).toThrow(ShapeError);
    expect(() => selectNms({ boxes: [0, 0, 1, 1], scores: [1] }, { iou: 1.5 })).toThrow(UsageError);
    expect(() => selectNms({ boxes: [0, 0, 1, 1], scores: [1] }, { iou: 0.5, classAware: true })).toThrow(ShapeError);
    expect(() => selectNms({ boxes: [0, 0, 1, 1], scores: [1], classes: [0.5] }, { iou: 0.5, classAware: true })).toThrow(InputError);
  });
  it('zero-size boxes never suppress or get suppressed; empty input gives no detections', () => {
    expect(Array.from(selectNms({ boxes: [5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 10, 10], scores: [0.9, 0.8, 0.7] }, { iou: 0 }))).toEqual([0, 1, 2]);
    expect(selectNms({ boxes: [], scores: [] }, { iou: 0.5 }).length).toBe(0);
  });
});

describe('YOLO decoding', () => {
  it('[1, 4+nc, N] decode + class-aware NMS matches the ultralytics-style torch reference', () => {
    const raw = loadArray('yolo_output', 'float32');
    const dims = [1, 7, 2000];
    expect(shapeOf('yolo_output')).toEqual([7 * 2000]);
    const decoded = decodeYolo(raw, dims, { confidence: 0.25, numClasses: 3 });
    const kept = applyNms(decoded, { iou: 0.45, classAware: true, maxDetections: 300 });
    expect(maxAbsDiff(kept.boxes, loadArray('yolo_boxes', 'float32'))).toBeLessThan(1e-4);
    expect(Array.from(kept.scores)).toEqual(Array.from(loadArray('yolo_scores', 'float32')));
    expect(Array.from(kept.classes)).toEqual(Array.from(loadArray('yolo_classes', 'int32')));
    expect(() => decodeYolo(raw, [1, 8, 2000], { confidence: 0.25, numClasses: 3 })).toThrow(ShapeError);
    const bad = raw.slice();
    bad[4 * 2000 + 7] = NaN;
    expect(() => decodeYolo(bad, dims, { confidence: 0.25, numClasses: 3 })).toThrow(InputError);
  });

  it('end-to-end [1, K, 6] rows x1 y1 x2 y2 score class', () => {
    const out = decodeEndToEnd([10, 20, 30, 40, 0.9, 2, 0, 0, 1, 1, 0.1, 0, 1, 2, 3, 4, 0.5, 1], [1, 3, 6], { confidence: 0.25 });
    expect(Array.from(out.boxes)).toEqual([10, 20, 30, 40, 1, 2, 3, 4]);
    expect(Array.from(out.classes)).toEqual([2, 1]);
    expect(() => decodeEndToEnd([0, 0, 1, 1, 0.9, 0.5], [1, 1, 6], { confidence: 0.25 })).toThrow(InputError);
    expect(() => decodeEndToEnd([0, 0, 1, 1, 0.9], [1, 1, 5], { confidence: 0.25 })).toThrow(ShapeError);
  });
});

describe('box modes and world mapping', () => {
  it('round-trips xyxy <-> cxcywh and xyzxyz <-> cccwhd', () => {
    const b = [1, 2, 5, 10];
    expect(Array.from(convertBoxMode(b, 'xyxy', 'cxcywh'))).toEqual([3, 6, 4, 8]);
    expect(Array.from(convertBoxMode(convertBoxMode(b, 'xyxy', 'cxcywh'), 'cxcywh', 'xyxy'))).toEqual(b);
    expect(Array.from(convertBoxMode([0, 0, 0, 2, 4, 6], 'xyzxyz', 'cccwhd'))).toEqual([1, 2, 3, 2, 4, 6]);
    expect(() => convertBoxMode(b, 'xyxy', 'cccwhd')).toThrow(ShapeError);
  });

  it('maps voxel boxes to LPS mm through spacing, origin and a flipped / permuted direction', () => {
    // Axis i points to -x (R), j to +z, k to +y: world = origin + D diag(s) index.
    const g = createGeometry({ size: [100, 100, 50], spacing: [0.5, 0.8, 2], origin: [10, -20, 30], direction: [-1, 0, 0, 0, 0, 1, 0, 1, 0] });
    const w = mapBoxesToWorld([2, 4, 6, 10, 14, 8], 'xyzxyz', g);
    // i 2..10 -> x 10-1 .. 10-5 ; k 6..8 -> y -20+12 .. -20+16 ; j 4..14 -> z 30+3.2 .. 30+11.2
    const expected = [5, -8, 33.2, 9, -4, 41.2];
    expect(maxAbsDiff(w, expected)).toBeLessThan(1e-12);
  });
});
