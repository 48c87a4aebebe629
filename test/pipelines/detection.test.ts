import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVolume, InputError, type Manifest } from '../../src/index.js';
import { sha256Hex } from '../../src/runtime/checksum.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const fixture = (n: string) => fileURLToPath(new URL(`../fixtures/models/${n}`, import.meta.url));

async function manifestFor(models: Record<string, Record<string, unknown>>): Promise<Manifest> {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-det-'));
  mkdirSync(join(dir, 'models'));
  const entries: Record<string, unknown> = {};
  for (const [id, m] of Object.entries(models)) {
    const file = m.file as string;
    copyFileSync(fixture(file), join(dir, 'models', file));
    const { file: _f, ...rest } = m;
    entries[id] = {
      task: 'detection',
      title: id,
      datasets: ['synthetic'],
      architecture: 'constant',
      weights: { kind: 'bundled' },
      files: [{ role: 'model', path: `models/${file}`, sha256: await sha256Hex(new Uint8Array(readFileSync(fixture(file)))) }],
      intendedUse: 'pipeline unit tests only',
      ...rest,
    };
  }
  writeFileSync(
    join(dir, 'm.json'),
    JSON.stringify({
      manifestVersion: 1,
      datasets: { synthetic: { name: 's', tasks: ['detection'], modality: 'x', acquisition: { kind: 'generated' } } },
      models: entries,
    }),
  );
  return readManifestFile(join(dir, 'm.json'));
}

let manifest: Manifest;
beforeAll(async () => {
  manifest = await manifestFor({
    yolo: {
      file: 'constant-yolo2d.onnx',
      dimensionality: 2,
      io: { inputs: [{ name: 'images', dtype: 'float32', dims: [1, 3, 64, 64] }], outputs: [{ name: 'output0', dtype: 'float32', dims: [1, 6, 3] }] },
      preprocess: [
        { op: 'toRgb' },
        { op: 'letterbox', size: [64, 64], padValue: 114 },
        { op: 'scaleIntensityRange', aMin: 0, aMax: 255, bMin: 0, bMax: 1, clip: true },
        { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
      ],
      inference: { mode: 'whole' },
      postprocess: [
        { op: 'decodeYolo', confidence: 0.25, numClasses: 2 },
        { op: 'nms', iou: 0.7, maxDetections: 300, classAware: true },
      ],
      labels: ['nodule', 'mass'],
    },
    det3d: {
      file: 'constant-det3d.onnx',
      dimensionality: 3,
      io: { inputs: [{ name: 'image', dtype: 'float32', dims: [1, 1, -1, -1, -1] }], outputs: [{ name: 'raw', dtype: 'float32', dims: [1, 7, 1] }] },
      preprocess: [{ op: 'toTensor', layout: 'NCDHW', dtype: 'float32' }],
      inference: { mode: 'slidingWindow', roi: [8, 8, 8], overlap: 0, placement: 'monai' },
      postprocess: [
        { op: 'decodeYolo', confidence: 0.5, numClasses: 1 },
        { op: 'nms', iou: 0.1 },
      ],
      labels: ['nodule'],
    },
  });
});

describe('detection pipeline', () => {
  it('2D: undoes the letterbox (YOLO rule) and applies confidence + class-aware NMS', async () => {
    const pipe = await createPipeline('detection', 'yolo', { manifest, provider: 'cpu' });
    const img = createVolume({ geometry: { size: [100, 50, 1], spacing: [0.5, 0.5, 1] }, data: new Uint8Array(5000).fill(80), meta: { source: 'cxr.png' } });
    const r = await pipe.run(img);
    expect(r.detections).toHaveLength(1);
    const d = r.detections[0]!;
    expect(d).toMatchObject({ label: 'nodule', classIndex: 0 });
    expect(d.score).toBeCloseTo(0.9, 6);
    // Letterbox: r = 0.64, 100x50 -> 64x32, pad top 16. Box [27, 28, 37, 36] -> original pixels.
    const expected = [42.1875, 18.75, 57.8125, 31.25];
    [d.box.index.min[0], d.box.index.min[1], d.box.index.max[0], d.box.index.max[1]].forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    expect(d.box.world.center[0]).toBeCloseTo((50 - 0.5) * 0.5, 4);
    expect(r.luna16).toBeUndefined();
    await pipe.dispose();
  });

  it('3D: sliding windows shift boxes by their window start; world centres give LUNA16 rows', async () => {
    const pipe = await createPipeline('detection', 'det3d', { manifest, provider: 'cpu' });
    const ct = createVolume({
      geometry: { size: [20, 16, 12], spacing: [0.7, 0.7, 1.25], origin: [-100, -50, 20] },
      data: new Int16Array(20 * 16 * 12),
      meta: { modality: 'CT', seriesInstanceUid: '1.2.3' },
    });
    const r = await pipe.run(ct);
    // Window starts: k [0, 4], j [0, 8], i [0, 8, 12] -> 12 windows, one box each, none overlapping.
    expect(r.detections).toHaveLength(12);
    const got = r.detections.map((d) => [d.box.index.min[0], d.box.index.min[1], d.box.index.min[2]].join(',')).sort();
    const want: string[] = [];
    for (const a of [0, 4]) for (const b of [0, 8]) for (const c of [0, 8, 12]) want.push([c + 3, b + 2, a + 1].join(','));
    expect(got).toEqual(want.sort());
    const row = r.luna16!.find((l) => Math.abs(l.coordX - (-100 + (0 + 3.5) * 0.7)) < 1e-6 && Math.abs(l.coordZ - (20 + (0 + 1.5) * 1.25)) < 1e-6);
    expect(row).toMatchObject({ seriesuid: '1.2.3' });
    expect(row!.probability).toBeCloseTo(0.7, 6);
    r.detections.forEach((d) => d.sizeMm.forEach((s, a) => expect(s).toBeCloseTo(2 * [0.7, 0.7, 1.25][a]!, 5)));
    await pipe.dispose();
  });

  it('rejects a 2D image for a 3D detector', async () => {
    const pipe = await createPipeline('detection', 'det3d', { manifest, provider: 'cpu' });
    await expect(pipe.run(createVolume({ geometry: { size: [8, 8, 1] }, data: new Float32Array(64), meta: { source: 'x.png' } }))).rejects.toThrow(InputError);
    await pipe.dispose();
  });
});
