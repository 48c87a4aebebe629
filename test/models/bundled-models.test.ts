/**
 * End-to-end checks of the models the package ships (models/*.onnx, trained by scripts/models/ on
 * phantoms): each runs in onnxruntime-node on phantoms freshly generated here with seeds the
 * training never saw, fed through the SDK's own preprocessing of the entry's declared plan, and
 * must give clinically "sensible" answers on them. Small counts keep the suite fast; the entries'
 * metrics hold the full held-out measurements.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  caseSeed,
  CHEXPERT_OBSERVATIONS,
  CXR_FINDINGS,
  BRAIN_MODALITIES,
  generateBrainMri,
  generateChestCt,
  generateChestRadiograph,
  generateLungCtPair,
  generateReportText,
} from '../../src/phantoms/index.js';
import { runPreprocessPlan } from '../../src/preprocess/index.js';
import {
  applySigmoid,
  computeDice,
  computeRocAuc,
  convertRegionsToLabels,
  integrateVelocity,
  computeJacobianDeterminant,
} from '../../src/postprocess/index.js';
import { createTokenizer, parseTokenizerSpec, parseVocabulary } from '../../src/pipelines/text-tokenizer.js';
import { createVolume, worldToIndex } from '../../src/core/index.js';
import { checkFileIntegrity, fileOf, loadEntry, openSession, ort, ROOT } from './helpers.js';

const TEST_SEED = 9001; // training used 1000, held-out metrics 2000

const cxr = loadEntry('medinfer-cxr-densenet-phantom');
describe.skipIf(!cxr)('bundled chest radiograph classifier', () => {
  it('separates the five findings on fresh phantoms (mean AUC on 40 images >= 0.9)', async () => {
    const entry = cxr!;
    checkFileIntegrity(fileOf(entry, 'model'));
    const session = await openSession(entry);
    const n = 40;
    const tensors: Float32Array[] = [];
    const truth: number[][] = [];
    for (let i = 0; i < n; i++) {
      const { image, truth: t } = generateChestRadiograph({ seed: caseSeed(TEST_SEED, i) });
      const pre = runPreprocessPlan(image, entry.preprocess);
      tensors.push(pre.tensor.data as Float32Array);
      truth.push(CXR_FINDINGS.map((f) => t.labels[f]));
    }
    const size = tensors[0]!.length;
    const batch = new Float32Array(n * size);
    tensors.forEach((t, i) => batch.set(t, i * size));
    const dims = [n, ...entry.io.inputs[0]!.dims.slice(1).map(Number)];
    const out = await session.run({ [entry.io.inputs[0]!.name]: new ort.Tensor('float32', batch, dims) });
    const probs = applySigmoid(out[entry.io.outputs[0]!.name]!.data as Float32Array);
    const aucs = CXR_FINDINGS.map((_, c) =>
      computeRocAuc(
        truth.map((t) => t[c]!),
        Float32Array.from({ length: n }, (_, i) => probs[i * CXR_FINDINGS.length + c]!),
      ),
    );
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    expect(mean).toBeGreaterThanOrEqual(0.9);
    for (const a of aucs) expect(a).toBeGreaterThan(0.75);
    await session.release();
  });
});

const text = loadEntry('medinfer-report-textcnn-phantom');
describe.skipIf(!text)('bundled report labeler', () => {
  it('labels positive, negated and uncertain mentions of fresh reports (macro-F1 >= 0.85)', async () => {
    const entry = text!;
    checkFileIntegrity(fileOf(entry, 'model'));
    checkFileIntegrity(fileOf(entry, 'vocab'));
    const session = await openSession(entry);
    const vocabFile = fileOf(entry, 'vocab');
    const tokenizer = createTokenizer(
      parseTokenizerSpec(entry.tokenizer, entry.id),
      parseVocabulary(readFileSync(join(ROOT, vocabFile.path)), vocabFile.path, entry.id),
      entry.id,
    );
    const n = 120;
    const reports = Array.from({ length: n }, (_, i) => generateReportText({ seed: caseSeed(TEST_SEED, i) }));
    const len = tokenizer.spec.maxLength;
    const ids = new BigInt64Array(n * len);
    reports.forEach((r, i) => tokenizer.encode(r.text).forEach((id, t) => (ids[i * len + t] = BigInt(id))));
    const out = await session.run({ tokens: new ort.Tensor('int64', ids, [n, len]) });
    const logits = out['logits']!.data as Float32Array;
    const classes = 4; // not mentioned, positive, negative, uncertain
    const toClass = (v: number | null): number => (v === null ? 0 : v === 1 ? 1 : v === 0 ? 2 : 3);
    // F1 per (observation, class) pair present in these reports, then the macro mean.
    const f1s: number[] = [];
    CHEXPERT_OBSERVATIONS.forEach((_, o) => {
      for (let c = 1; c < classes; c++) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        reports.forEach((r, i) => {
          const base = (i * CHEXPERT_OBSERVATIONS.length + o) * classes;
          let best = 0;
          for (let k = 1; k < classes; k++) if (logits[base + k]! > logits[base + best]!) best = k;
          const t = toClass(r.labels[o]!) === c;
          const p = best === c;
          if (t && p) tp++;
          else if (p) fp++;
          else if (t) fn++;
        });
        if (tp + fn > 0) f1s.push((2 * tp) / (2 * tp + fp + fn));
      }
    });
    const macro = f1s.reduce((a, b) => a + b, 0) / f1s.length;
    expect(macro).toBeGreaterThanOrEqual(0.85);
    await session.release();
  });
});

const seg = loadEntry('medinfer-brats-unet3d-phantom');
describe.skipIf(!seg)('bundled brain tumour segmenter', () => {
  it('segments the tumour of a fresh phantom (Dice WT >= 0.85, ET >= 0.7)', async () => {
    const entry = seg!;
    checkFileIntegrity(fileOf(entry, 'model'));
    const session = await openSession(entry);
    const mri = generateBrainMri({ seed: caseSeed(TEST_SEED, 0) });
    const inputs = Object.fromEntries(BRAIN_MODALITIES.map((m) => [m, mri.images[m]]));
    const pre = runPreprocessPlan(inputs, entry.preprocess);
    const out = await session.run({ image: new ort.Tensor('float32', pre.tensor.data as Float32Array, pre.tensor.dims) });
    const logits = out['logits']!.data as Float32Array;
    const step = entry.postprocess.find((s) => s.op === 'regionsToLabels')!;
    // The phantom grid (96^3) is already divisible by 8: the tensor grid is the input grid.
    const labels = convertRegionsToLabels(applySigmoid(logits), 3, {
      order: step['order'] as number[],
      labels: step['labels'] as number[],
      threshold: step['threshold'] as number,
    });
    const ref = mri.labels.data;
    const region = (a: ArrayLike<number>, set: number[]) => Uint8Array.from(a, (v) => (set.includes(v) ? 1 : 0));
    const wt = computeDice(region(labels, [1, 2, 4]), region(ref, [1, 2, 4]), { labels: [1] })[0]!.dice;
    const et = computeDice(region(labels, [4]), region(ref, [4]), { labels: [1] })[0]!.dice;
    expect(wt).toBeGreaterThanOrEqual(0.85);
    expect(et).toBeGreaterThanOrEqual(0.7);
    await session.release();
  });
});

const reg = loadEntry('medinfer-lung-voxelmorph-phantom');
describe.skipIf(!reg)('bundled lung registration network', () => {
  it('recovers breathing motion on a fresh pair (TRE < 60% of identity, no folding)', async () => {
    const entry = reg!;
    checkFileIntegrity(fileOf(entry, 'model'));
    const session = await openSession(entry);
    const pair = generateLungCtPair({ seed: caseSeed(TEST_SEED, 0) });
    const moving = runPreprocessPlan(pair.inhale, entry.preprocess).tensor;
    const fixed = runPreprocessPlan(pair.exhale, entry.preprocess).tensor;
    const input = new Float32Array(moving.data.length * 2);
    input.set(moving.data as Float32Array, 0);
    input.set(fixed.data as Float32Array, moving.data.length);
    const dims = [1, 2, ...moving.dims.slice(2)];
    const out = await session.run({ image: new ort.Tensor('float32', input, dims) });
    const v = out['velocity']!.data as Float32Array;
    // Tensor channels are displacement along (D, H, W) = (k, j, i); the Volume field wants (i, j, k) per voxel.
    const g = pair.exhale.geometry;
    const nvox = g.size[0] * g.size[1] * g.size[2];
    const field = new Float32Array(nvox * 3);
    for (let p = 0; p < nvox; p++) {
      field[3 * p] = v[2 * nvox + p]!;
      field[3 * p + 1] = v[nvox + p]!;
      field[3 * p + 2] = v[p]!;
    }
    const step = entry.postprocess.find((s) => s.op === 'integrateVelocity')!;
    const disp = integrateVelocity(createVolume({ geometry: g, data: field, components: 3 }), { steps: step['steps'] as number });
    let tre = 0;
    let identity = 0;
    pair.landmarksExhale.forEach((q, n) => {
      const p = pair.landmarksInhale[n]!;
      const u = sampleTrilinear(disp.data, g.size, q);
      tre += Math.hypot((q[0] + u[0] - p[0]) * g.spacing[0], (q[1] + u[1] - p[1]) * g.spacing[1], (q[2] + u[2] - p[2]) * g.spacing[2]);
      identity += Math.hypot((q[0] - p[0]) * g.spacing[0], (q[1] - p[1]) * g.spacing[1], (q[2] - p[2]) * g.spacing[2]);
    });
    expect(tre / identity).toBeLessThan(0.6);
    expect(computeJacobianDeterminant(disp, { units: 'voxel' }).foldingPercent).toBeLessThan(1);
    await session.release();
  });
});

const yolo = loadEntry('medinfer-cxr-yolo-phantom');
describe.skipIf(!yolo)('bundled chest radiograph detector', () => {
  it('finds most drawn findings with a box of the right class (IoU >= 0.3)', async () => {
    const entry = yolo!;
    checkFileIntegrity(fileOf(entry, 'model'));
    const session = await openSession(entry);
    let found = 0;
    let total = 0;
    for (let i = 0; i < 16; i++) {
      const { image, truth } = generateChestRadiograph({ seed: caseSeed(TEST_SEED, i) });
      const pre = runPreprocessPlan(image, entry.preprocess);
      const out = await session.run({ image: new ort.Tensor('float32', pre.tensor.data as Float32Array, pre.tensor.dims) });
      const d = out['detections']!.data as Float32Array;
      const anchors = out['detections']!.dims[2]!;
      const nc = CXR_FINDINGS.length;
      // The letterbox of a 256^2 image to 128^2 is a plain x0.5 scale (no padding).
      for (const b of truth.boxes) {
        total++;
        const c = CXR_FINDINGS.indexOf(b.label);
        const g = b.box.map((v) => v / 2);
        for (let a = 0; a < anchors; a++) {
          if (d[(4 + c) * anchors + a]! < 0.25) continue;
          const [cx, cy, w, h] = [d[a]!, d[anchors + a]!, d[2 * anchors + a]!, d[3 * anchors + a]!];
          const ix = Math.max(0, Math.min(cx + w / 2, g[2]!) - Math.max(cx - w / 2, g[0]!));
          const iy = Math.max(0, Math.min(cy + h / 2, g[3]!) - Math.max(cy - h / 2, g[1]!));
          const inter = ix * iy;
          const iou = inter / (w * h + (g[2]! - g[0]!) * (g[3]! - g[1]!) - inter);
          if (iou >= 0.3) {
            found++;
            break;
          }
        }
      }
    }
    expect(total).toBeGreaterThan(10);
    expect(found / total).toBeGreaterThanOrEqual(0.7);
    await session.release();
  });
});

const det3d = loadEntry('medinfer-nodule-det3d-phantom');
describe.skipIf(!det3d)('bundled 3D nodule detector', () => {
  it('ranks true nodules of a fresh CT among its top candidates', async () => {
    const entry = det3d!;
    checkFileIntegrity(fileOf(entry, 'model'));
    const session = await openSession(entry);
    const ct = generateChestCt({ seed: caseSeed(TEST_SEED, 1), nodules: [2, 2], diameterMm: [8, 20] });
    const pre = runPreprocessPlan(ct.image, entry.preprocess);
    const out = await session.run({ image: new ort.Tensor('float32', pre.tensor.data as Float32Array, pre.tensor.dims) });
    const d = out['detections']!.data as Float32Array;
    const cells = out['detections']!.dims[2]!;
    const order = Array.from({ length: cells }, (_, a) => a).sort((a, b) => d[6 * cells + b]! - d[6 * cells + a]!);
    const g = pre.volume.geometry;
    for (const n of ct.nodules) {
      // Nodule centre in model-grid voxels; box centres are in voxel-edge coordinates (centre = index + 0.5).
      const idx = worldToIndex(g, n.centerMm);
      const hit = order
        .slice(0, 10)
        .some(
          (a) =>
            Math.hypot(
              (d[a]! - 0.5 - idx[0]) * g.spacing[0],
              (d[cells + a]! - 0.5 - idx[1]) * g.spacing[1],
              (d[2 * cells + a]! - 0.5 - idx[2]) * g.spacing[2],
            ) <
            n.diameterMm / 2,
        );
      expect(hit).toBe(true);
    }
    await session.release();
  });
});

function sampleTrilinear(data: Float32Array, size: readonly number[], q: readonly number[]): [number, number, number] {
  const [nx, ny, nz] = size as [number, number, number];
  const i0 = Math.min(nx - 2, Math.max(0, Math.floor(q[0]!)));
  const j0 = Math.min(ny - 2, Math.max(0, Math.floor(q[1]!)));
  const k0 = Math.min(nz - 2, Math.max(0, Math.floor(q[2]!)));
  const fi = q[0]! - i0;
  const fj = q[1]! - j0;
  const fk = q[2]! - k0;
  const out: [number, number, number] = [0, 0, 0];
  for (let dk = 0; dk < 2; dk++) {
    for (let dj = 0; dj < 2; dj++) {
      for (let di = 0; di < 2; di++) {
        const w = (di ? fi : 1 - fi) * (dj ? fj : 1 - fj) * (dk ? fk : 1 - fk);
        const o = 3 * (i0 + di + nx * (j0 + dj + ny * (k0 + dk)));
        for (let c = 0; c < 3; c++) out[c] += w * data[o + c]!;
      }
    }
  }
  return out;
}
