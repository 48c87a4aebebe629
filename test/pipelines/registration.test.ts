import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, createVolume, indexToWorld, parseLandmarks, type Manifest, type Volume } from '../../src/index.js';
import { sha256Hex } from '../../src/runtime/checksum.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const MODEL = fileURLToPath(new URL('../fixtures/models/constant-field.onnx', import.meta.url));
const SIZE = [10, 9, 8] as const;
const GEOMETRY = { size: [...SIZE], spacing: [1.2, 0.8, 2.5], origin: [-30, 12, 40], direction: [0.8, -0.6, 0, 0.6, 0.8, 0, 0, 0, 1] };

function ramp(): Volume {
  const n = SIZE[0] * SIZE[1] * SIZE[2];
  const data = new Float32Array(n);
  // Linear in i and k: trilinear warping reproduces it exactly inside the image.
  for (let k = 0; k < SIZE[2]; k++)
    for (let j = 0; j < SIZE[1]; j++) for (let i = 0; i < SIZE[0]; i++) data[i + SIZE[0] * (j + SIZE[1] * k)] = 3 * i + 5 * k + 7;
  return createVolume({ geometry: GEOMETRY, data, meta: { modality: 'CT', source: 'ramp.nii.gz' } });
}

let manifest: Manifest;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-reg-'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(MODEL, join(dir, 'models', 'f.onnx'));
  const m = {
    manifestVersion: 1,
    datasets: { synthetic: { name: 'synthetic', tasks: ['registration'], modality: 'CT', acquisition: { kind: 'generated' } } },
    models: {
      field: {
        task: 'registration',
        title: 'constant field',
        datasets: ['synthetic'],
        architecture: 'constant',
        dimensionality: 3,
        files: [{ role: 'model', path: 'models/f.onnx', sha256: await sha256Hex(new Uint8Array(readFileSync(MODEL))) }],
        weights: { kind: 'bundled' },
        io: {
          inputs: [
            { name: 'moving', dtype: 'float32', dims: [1, 1, -1, -1, -1] },
            { name: 'fixed', dtype: 'float32', dims: [1, 1, -1, -1, -1] },
          ],
          outputs: [{ name: 'flow', dtype: 'float32', dims: [1, 3, -1, -1, -1] }],
        },
        inputs: [{ name: 'moving' }, { name: 'fixed' }],
        preprocess: [
          { op: 'scaleIntensityRange', aMin: 0, aMax: 100, bMin: 0, bMax: 1, clip: true },
          { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
        ],
        inference: { mode: 'whole' },
        postprocess: [],
        labels: [],
        intendedUse: 'pipeline unit tests only',
      },
    },
  };
  writeFileSync(join(dir, 'm.json'), JSON.stringify(m));
  manifest = await readManifestFile(join(dir, 'm.json'));
});

describe('registration pipeline', () => {
  it('turns tensor-axis voxel displacements into LPS mm on the fixed grid, warps, and measures Jacobian and TRE', async () => {
    const pipe = await createPipeline('registration', 'field', { manifest, provider: 'cpu' });
    const fixed = ramp();
    const moving = ramp();
    // Landmarks displaced by exactly the model's field (+1 voxel along i, -2 along k): TRE 0.
    const fixedPts = [2, 3, 4, 5.5, 1, 6.25, 7, 8, 3];
    const movingPts = fixedPts.map((v, idx) => v + [1, 0, -2][idx % 3]!);
    const r = await pipe.run({ fixed, moving, landmarks: { fixed: fixedPts, moving: movingPts } });
    expect(r.displacement.geometry).toEqual(fixed.geometry);
    const d = fixed.geometry.direction;
    const s = fixed.geometry.spacing;
    const expectedMm = [0, 1, 2].map((row) => d[row * 3]! * s[0] * 1 + d[row * 3 + 2]! * s[2] * -2);
    for (const v of [0, 123, 719]) for (let c = 0; c < 3; c++) expect(r.displacement.data[3 * v + c]).toBeCloseTo(expectedMm[c]!, 5);
    // warped(x) = moving(x + (1, 0, -2)) = ramp + 3 - 10 where the sample stays inside.
    const at = (i: number, j: number, k: number) => r.warped.data[i + SIZE[0] * (j + SIZE[1] * k)]!;
    expect(at(3, 4, 5)).toBeCloseTo(3 * 4 + 5 * 3 + 7, 4);
    expect(at(9, 4, 5)).toBe(0); // sampled beyond the last column: zeros padding
    expect(r.foldingPercent).toBe(0);
    for (const v of [0, 500]) expect(r.jacobian.data[v]).toBeCloseTo(1, 9);
    expect(r.tre!.meanMm).toBeLessThan(1e-4);
    expect(r.tre!.identityMeanMm).toBeCloseTo(Math.hypot(...expectedMm), 5);
    expect(r.provenance.inputs).toEqual(['ramp.nii.gz', 'ramp.nii.gz']);
    // Time inside session.run, as segmentation reports it (the rest is the SDK's own work).
    expect(r.provenance.inferenceMs).toBeGreaterThan(0);
    expect(r.provenance.inferenceMs).toBeLessThanOrEqual(r.provenance.durationMs + 1);
    await pipe.dispose();
  });

  it('parses DIR-Lab (1-based voxel) and CSV (world mm) landmark files onto the same voxel points', () => {
    const g = ramp().geometry;
    const dirlab = parseLandmarks('3 4 5\n6 7 8\n', 'dirlab', g);
    expect([...dirlab]).toEqual([2, 3, 4, 5, 6, 7]);
    const w1 = indexToWorld(g, [2, 3, 4]);
    const w2 = indexToWorld(g, [5, 6, 7]);
    const csv = parseLandmarks(`x,y,z\n${w1.join(',')}\n${w2.join(',')}\n`, 'csv-mm', g);
    csv.forEach((v, i) => expect(v).toBeCloseTo(dirlab[i]!, 9));
    expect(() => parseLandmarks('1 2\n', 'dirlab', g, 'case1.txt')).toThrow(/case1\.txt: line 1 is not three numbers/);
  });

  it('refuses mismatched landmark counts and 2D inputs', async () => {
    const pipe = await createPipeline('registration', 'field', { manifest, provider: 'cpu' });
    await expect(pipe.run({ fixed: ramp(), moving: ramp(), landmarks: { fixed: [1, 2, 3], moving: [1, 2, 3, 4, 5, 6] } })).rejects.toThrow(
      /same number of 3D points/,
    );
    const flat = createVolume({ geometry: { size: [4, 4, 1] }, data: new Float32Array(16) });
    await expect(pipe.run({ fixed: flat, moving: ramp() })).rejects.toThrow(/fixed image is 2D/);
    await pipe.dispose();
  });
});

describe('registration outputs on disk', () => {
  it('writes the displacement field (3 components, mm) and the warped image as NIfTI on the fixed grid', async () => {
    const { writeNifti, readNifti } = await import('../../src/index.js');
    const pipe = await createPipeline('registration', 'field', { manifest, provider: 'cpu' });
    const r = await pipe.run({ fixed: ramp(), moving: ramp() });
    const field = await readNifti(writeNifti(r.displacement, { gzip: true }), { name: 'field.nii.gz' });
    expect(field.components * field.frames).toBe(3);
    expect(field.geometry.size).toEqual([...SIZE]);
    field.geometry.origin.forEach((o, a) => expect(o).toBeCloseTo(GEOMETRY.origin[a]!, 4));
    const warped = await readNifti(writeNifti(r.warped), { name: 'warped.nii' });
    expect([...warped.data.slice(0, 50)]).toEqual([...r.warped.data.slice(0, 50)]);
    await pipe.dispose();
  });

  it('refuses an entry whose output name contradicts its postprocess (velocity without integration, displacement with it)', async () => {
    const base = manifest.models['field']!;
    const velocityOutput = { ...base.io.outputs[0]!, name: 'velocity' };
    for (const [io, postprocess, pattern] of [
      [{ ...base.io, outputs: [velocityOutput] }, [], /output 'velocity' is a velocity field but postprocess has no integrateVelocity/],
      [
        { ...base.io, outputs: [{ ...velocityOutput, name: 'displacement' }] },
        [{ op: 'integrateVelocity', steps: 7 }],
        /output 'displacement' is a displacement field but postprocess integrates it/,
      ],
    ] as const) {
      const entry = { ...base, io, postprocess };
      await expect(createPipeline('registration', entry, { manifest, provider: 'cpu' })).rejects.toThrow(ManifestError);
      await expect(createPipeline('registration', entry, { manifest, provider: 'cpu' })).rejects.toThrow(pattern);
    }
  });
});
