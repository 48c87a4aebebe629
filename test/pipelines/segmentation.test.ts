import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModelSession, createVolume, InputError, type Manifest, type Volume } from '../../src/index.js';
import { sha256Hex } from '../../src/runtime/checksum.js';
import { createNodeBackend, createPipeline, readManifestFile } from '../../src/node.js';

const NET = fileURLToPath(new URL('../fixtures/sliding-window/net.onnx', import.meta.url));
const SIZE = [12, 10, 9] as const;
const OBLIQUE = [0.8, -0.6, 0, 0.6, 0.8, 0, 0, 0, 1];

function volume(seed: number, geometry: { spacing?: number[]; origin?: number[]; direction?: number[] } = {}): Volume {
  const n = SIZE[0] * SIZE[1] * SIZE[2];
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 100 + 40 * Math.sin(i * 0.37 + seed) + (i % 7);
  return createVolume({
    geometry: { size: [...SIZE], spacing: geometry.spacing ?? [1.5, 1, 2], origin: geometry.origin ?? [10, -5, 3], direction: geometry.direction ?? OBLIQUE },
    data,
    meta: { modality: 'MR', source: `mod${seed}.nii.gz` },
  });
}

async function writeManifest(inference: object): Promise<Manifest> {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-seg-'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(NET, join(dir, 'models', 'net.onnx'));
  const sha256 = await sha256Hex(new Uint8Array(readFileSync(NET)));
  const manifest = {
    manifestVersion: 1,
    datasets: { synthetic: { name: 'synthetic', tasks: ['segmentation'], modality: 'MR', acquisition: { kind: 'generated' } } },
    models: {
      seg: {
        task: 'segmentation',
        title: 'conv net',
        datasets: ['synthetic'],
        architecture: 'two conv layers',
        dimensionality: 3,
        files: [{ role: 'model', path: 'models/net.onnx', sha256 }],
        weights: { kind: 'bundled' },
        io: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 2, -1, -1, -1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 3, -1, -1, -1] }] },
        inputs: [{ name: 't1' }, { name: 'flair' }],
        preprocess: [
          { op: 'stackChannels', order: ['t1', 'flair'] },
          { op: 'zscore', nonzero: false, channelWise: true },
          { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
        ],
        inference,
        postprocess: [{ op: 'softmax', axis: 1 }, { op: 'argmax' }],
        labels: [
          { name: 'background', value: 0 },
          { name: 'one', value: 1 },
          { name: 'two', value: 2 },
        ],
        intendedUse: 'pipeline unit tests only',
      },
    },
  };
  writeFileSync(join(dir, 'm.json'), JSON.stringify(manifest));
  return readManifestFile(join(dir, 'm.json'));
}

/** Independent reference: z-score per channel, [1, 2, i, j, k] tensor, bare session, argmax. */
async function referenceLabels(a: Volume, b: Volume): Promise<Uint8Array> {
  const [ni, nj, nk] = SIZE;
  const n = ni * nj * nk;
  const x = new Float32Array(2 * n);
  [a, b].forEach((v, c) => {
    let mean = 0;
    for (let p = 0; p < n; p++) mean += v.data[p]!;
    mean /= n;
    let varSum = 0;
    for (let p = 0; p < n; p++) varSum += (v.data[p]! - mean) ** 2;
    const std = Math.sqrt(varSum / n);
    for (let i = 0; i < ni; i++)
      for (let j = 0; j < nj; j++) for (let k = 0; k < nk; k++) x[c * n + (i * nj + j) * nk + k] = (v.data[i + ni * (j + nj * k)]! - mean) / std;
  });
  const s = await createModelSession(createNodeBackend(), { path: NET }, { provider: 'cpu' });
  const y = (await s.run({ x: { type: 'float32', dims: [1, 2, ni, nj, nk], data: x } })).y!.data as Float32Array;
  await s.dispose();
  const labels = new Uint8Array(n);
  for (let i = 0; i < ni; i++)
    for (let j = 0; j < nj; j++)
      for (let k = 0; k < nk; k++) {
        const t = (i * nj + j) * nk + k;
        let best = 0;
        for (let c = 1; c < 3; c++) if (y[c * n + t]! > y[best * n + t]!) best = c;
        labels[i + ni * (j + nj * k)] = best;
      }
  return labels;
}

let whole: Manifest;
let windowed: Manifest;
beforeAll(async () => {
  whole = await writeManifest({ mode: 'whole' });
  windowed = await writeManifest({ mode: 'slidingWindow', roi: [8, 10, 6], overlap: 0.5, batch: 2, blend: 'gaussian', placement: 'monai' });
});

describe('segmentation pipeline', () => {
  it('labels land on the first input grid and equal an independent reference', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu' });
    const t1 = volume(1);
    const flair = volume(2);
    const r = await pipe.run({ t1, flair }, { probabilities: true });
    expect(r.labels.geometry).toEqual(t1.geometry);
    expect(r.probabilities!.frames).toBe(3);
    const ref = await referenceLabels(t1, flair);
    let same = 0;
    for (let i = 0; i < ref.length; i++) if (ref[i] === r.labels.data[i]) same++;
    expect(same).toBe(ref.length);
    const voxelMl = (1.5 * 1 * 2) / 1000;
    for (const [value, name] of [
      [1, 'one'],
      [2, 'two'],
    ] as const) {
      const count = ref.filter((l) => l === value).length;
      if (count > 0) expect(r.volumesMl[name]).toBeCloseTo(count * voxelMl, 9);
    }
    expect(r.warnings).toEqual([]);
    expect(r.provenance.inputs).toEqual(['mod1.nii.gz', 'mod2.nii.gz']);
    // The share of the run spent inside session.run is reported (the SDK's own cost is the rest).
    expect(r.provenance.inferenceMs).toBeGreaterThan(0);
    expect(r.provenance.inferenceMs).toBeLessThanOrEqual(r.provenance.durationMs + 1);
    await pipe.dispose();
  });

  it('runs sliding windows from the manifest and keeps the grid', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: windowed, provider: 'cpu' });
    const r = await pipe.run({ t1: volume(1), flair: volume(2) });
    expect(r.labels.geometry.size).toEqual([...SIZE]);
    expect(new Set(r.labels.data).size).toBeGreaterThan(1);
    await pipe.dispose();
  });

  it('resamples an input on another grid onto the first and reports it', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu' });
    const r = await pipe.run({ t1: volume(1), flair: volume(2, { origin: [10.5, -5, 3] }) });
    expect(r.warnings).toEqual([expect.stringMatching(/input 'flair' was not on the grid of 't1' and was resampled/)]);
    await pipe.dispose();
  });

  it('a multi-volume DICOM input (4D) is refused unless { volume } names one; that volume segments like the 3D image', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu' });
    const t1 = volume(1);
    const flair = volume(2);
    const n = t1.data.length;
    const series = (v: Volume): Volume => {
      const data = new Float32Array(2 * n);
      data.set(volume(9).data as Float32Array, 0);
      data.set(v.data as Float32Array, n);
      return createVolume({ geometry: v.geometry, data, frames: 2, meta: { ...v.meta, format: 'dicom', volumeIndexAttribute: 'TemporalPositionIdentifier' } });
    };
    await expect(pipe.run({ t1: series(t1), flair: series(flair) })).rejects.toMatchObject({
      code: 'E_INPUT',
      details: { cause: 'multi-volume-input', volumes: 2 },
    });
    const picked = await pipe.run({ t1: series(t1), flair: series(flair) }, { volume: 1 });
    const plain = await pipe.run({ t1, flair });
    expect(Array.from(picked.labels.data)).toEqual(Array.from(plain.labels.data));
    await pipe.dispose();
  });

  it('names missing inputs and refuses 2D images', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu' });
    await expect(pipe.run({ t1: volume(1) })).rejects.toThrow(/missing: flair/);
    await expect(pipe.run(volume(1))).rejects.toThrow(InputError);
    const flat = createVolume({ geometry: { size: [12, 10, 1] }, data: new Float32Array(120) });
    await expect(pipe.run({ t1: flat, flair: flat })).rejects.toThrow(/segments 3D volumes/);
    await pipe.dispose();
  });
});

describe('input limits', () => {
  it('refuses a volume over the configured voxel limit with a typed error before running', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu', maxVoxels: 1000 });
    await expect(pipe.run({ t1: volume(1), flair: volume(2) })).rejects.toThrow(/1080 voxels exceed the limit of 1000/);
    await pipe.dispose();
  });
});

describe('segmentation outputs on disk and bad grids', () => {
  it('writes a label NIfTI whose affine and voxels read back exactly on the input grid', async () => {
    const { writeNifti, readNifti } = await import('../../src/index.js');
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu' });
    const t1 = volume(1);
    const r = await pipe.run({ t1, flair: volume(2) });
    const back = await readNifti(writeNifti(r.labels, { gzip: true }), { name: 'seg.nii.gz' });
    back.geometry.spacing.forEach((s, a) => expect(s).toBeCloseTo(t1.geometry.spacing[a]!, 5));
    back.geometry.origin.forEach((o, a) => expect(o).toBeCloseTo(t1.geometry.origin[a]!, 4));
    back.geometry.direction.forEach((d, a) => expect(d).toBeCloseTo(t1.geometry.direction[a]!, 5));
    expect([...back.data]).toEqual([...r.labels.data]);
    await pipe.dispose();
  });

  it('refuses inputs whose fields of view do not overlap, naming them', async () => {
    const pipe = await createPipeline('segmentation', 'seg', { manifest: whole, provider: 'cpu' });
    await expect(pipe.run({ t1: volume(1), flair: volume(2, { origin: [500, -5, 3] }) })).rejects.toThrow(/input 'flair' does not overlap 't1' in world space/);
    await pipe.dispose();
  });
});
