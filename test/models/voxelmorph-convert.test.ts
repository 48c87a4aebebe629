/**
 * `models convert voxelmorph`: small checkpoints in the published Keras layout (made with h5py by
 * scripts/models/make_voxelmorph_test_h5.py: same layer names, weight names and kernel layout,
 * 4-8 channels, 16^3) go through the real converter (Python: h5py + onnx + numpy, as .ci/run
 * installs them) into a temporary model store; the ONNX output on fixed inputs must equal the
 * torch rebuild's output (scripts/models/reference_voxelmorph_keras_torch.py, stored in
 * test/fixtures/voxelmorph-keras/ by voxelmorph_test_reference.py) within 1e-4 - directly
 * through onnxruntime-node and through the registration pipeline (entry preprocessing, axis
 * mapping, displacement in mm on the fixed grid).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError, UnsupportedError, createVolume } from '../../src/index.js';
import { convertVoxelmorphCheckpoint, pythonInterpreter } from '../../src/cli/models/convert-voxelmorph.js';
import { loadManifestWithStore } from '../../src/manifest/store/load-with-store.js';
import { createPipeline } from '../../src/pipelines/node-context.js';

const ROOT = join(import.meta.dirname, '..', '..');
const N = 16;
const VOXELS = N * N * N;
const python = pythonInterpreter(process.env);
let work: string;
let store: string;

/** The inputs of voxelmorph_test_reference.py: value at tensor index [a][b][c] (a slowest). */
function testInput(which: 'moving' | 'fixed'): Float32Array {
  const out = new Float32Array(VOXELS);
  for (let a = 0; a < N; a++)
    for (let b = 0; b < N; b++)
      for (let c = 0; c < N; c++) {
        const v = which === 'moving' ? 0.5 + 0.45 * Math.sin(0.37 * a + 0.23 * b + 0.11 * c) : 0.5 + 0.45 * Math.sin(0.29 * a - 0.31 * b + 0.17 * c + 0.5);
        out[(a * N + b) * N + c] = v;
      }
  out[0] = 0;
  out[VOXELS - 1] = 1;
  return out;
}

function fixture(variant: string): Float32Array {
  const bytes = readFileSync(join(ROOT, 'test', 'fixtures', 'voxelmorph-keras', `${variant}.f32`));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let p = 0; p < a.length; p++) m = Math.max(m, Math.abs(a[p]! - b[p]!));
  return m;
}

function makeCheckpoint(variant: string, full: boolean, extra: string[] = []): string {
  const out = join(work, `${variant}${full ? '_full' : ''}${extra.join('')}.h5`);
  execFileSync(python, [
    join(ROOT, 'scripts', 'models', 'make_voxelmorph_test_h5.py'),
    '--variant',
    variant,
    '--out',
    out,
    ...(full ? ['--full-model'] : []),
    ...extra,
  ]);
  return out;
}

const convert = (file: string, id: string) =>
  convertVoxelmorphCheckpoint(file, { id, replace: false, json: false, shape: [N, N, N], modelsDir: store, cwd: work, env: process.env });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'medinfer-vxm-test-'));
  store = join(work, 'store');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('VoxelMorph 2018 Keras checkpoint -> ONNX -> model store', () => {
  const cases = [
    { variant: 'vm1', full: false, output: 'displacement', outSize: N },
    { variant: 'vm2', full: false, output: 'displacement', outSize: N },
    { variant: 'miccai2018', full: true, output: 'velocity', outSize: N / 2 },
  ] as const;
  for (const c of cases) {
    it(`${c.variant}: ONNX output equals the torch rebuild (<= 1e-4)`, async () => {
      const added = await convert(makeCheckpoint(c.variant, c.full), `vxm-test-${c.variant}`);
      const output = added.entry.io.outputs[0]!;
      expect(output.name).toBe(c.output);
      expect(output.dims).toEqual([1, 3, c.outSize, c.outSize, c.outSize]);
      const session = await ort.InferenceSession.create(added.modelPath);
      const dims = [1, 1, N, N, N];
      const result = await session.run({
        moving: new ort.Tensor('float32', testInput('moving'), dims),
        fixed: new ort.Tensor('float32', testInput('fixed'), dims),
      });
      await session.release();
      const got = result[c.output]!.data as Float32Array;
      const want = fixture(c.variant);
      expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.3); // outputs of order 1, so 1e-4 means something
      expect(maxDiff(got, want)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('the entries declare what each output is and how to feed it', async () => {
    const { manifest } = await loadManifestWithStore({ modelsDir: store });
    const vm2 = manifest.models['vxm-test-vm2']!;
    const miccai = manifest.models['vxm-test-miccai2018']!;
    expect(vm2.postprocess).toEqual([]);
    expect(miccai.postprocess).toEqual([
      { op: 'integrateVelocity', steps: 7, padding: 'border' },
      { op: 'upsampleField', align: 'origin' },
    ]);
    // The loaded entry holds the validated plan (channelWise defaulted): what the pipeline runs.
    for (const e of [vm2, miccai]) expect(e.preprocess[0]).toEqual({ op: 'scaleIntensity', min: 0, max: 1, channelWise: false });
    expect(miccai.weights.kind).toBe('user');
  });

  it('registration pipeline on the converted vm1: the displacement (mm, 1 mm grid) is the torch output, channel c along voxel axis c', async () => {
    const { manifest } = await loadManifestWithStore({ modelsDir: store });
    // Tensor index [a][b][c] (a slowest) is voxel (i, j, k) = (a, b, c): axis order 'ijk'.
    const asVolume = (t: Float32Array) => {
      const data = new Float32Array(VOXELS);
      for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) data[a + N * (b + N * c)] = t[(a * N + b) * N + c]!;
      return createVolume({ geometry: { size: [N, N, N] }, data });
    };
    const pipeline = await createPipeline('registration', 'vxm-test-vm1', { manifest, provider: 'cpu' });
    const r = await pipeline.run({ fixed: asVolume(testInput('fixed')), moving: asVolume(testInput('moving')) });
    await pipeline.dispose();
    const want = fixture('vm1');
    const got = new Float32Array(3 * VOXELS);
    for (let a = 0; a < N; a++)
      for (let b = 0; b < N; b++)
        for (let c = 0; c < N; c++) {
          for (let ch = 0; ch < 3; ch++) got[ch * VOXELS + (a * N + b) * N + c] = r.displacement.data[3 * (a + N * (b + N * c)) + ch]!;
        }
    expect(maxDiff(got, want)).toBeLessThanOrEqual(1e-4);
  });

  it('refuses a file that is not such a checkpoint with a typed error naming it', async () => {
    const text = join(work, 'notes.h5');
    writeFileSync(text, 'not hdf5');
    await expect(convert(text, 'vxm-bad')).rejects.toThrow(ModelFileError);
    await expect(convert(text, 'vxm-bad')).rejects.toThrow(/notes\.h5 is not a VoxelMorph 2018 Keras checkpoint: not an HDF5 file/);
    // An HDF5 Keras file of another network: a 2D conv stack
    const other = join(work, 'other.h5');
    execFileSync(python, [
      '-c',
      `import h5py, numpy as np
f = h5py.File(${JSON.stringify(other)}, 'w'); f.attrs['layer_names'] = np.array([b'conv2d_1'])
g = f.create_group('conv2d_1')
g.create_dataset('conv2d_1/kernel:0', data=np.zeros((3, 3, 1, 8), 'f4')); g.create_dataset('conv2d_1/bias:0', data=np.zeros(8, 'f4'))
g.attrs['weight_names'] = np.array([b'conv2d_1/kernel:0', b'conv2d_1/bias:0'])`,
    ]);
    await expect(convert(other, 'vxm-bad')).rejects.toThrow(/other\.h5 is not a VoxelMorph 2018 Keras checkpoint: layer 'conv2d_1' is not a 3D convolution/);
    // The legacy models/xy/ files have the same weight shapes but 'xy' channel order: refused, not misread.
    await expect(convert(makeCheckpoint('vm1', false, ['--legacy-xy']), 'vxm-bad')).rejects.toThrow(/legacy 'xy'-indexing model/);
  });

  it('names the Debian package when the interpreter lacks a module', async () => {
    // The real interpreter without its site packages (-S): Debian's h5py is not importable then.
    const bare = join(work, 'python-no-site');
    writeFileSync(bare, `#!/bin/sh\nexec ${python} -S "$@"\n`);
    chmodSync(bare, 0o755);
    const options = { id: 'vxm-nosite', replace: false, json: false, modelsDir: store, cwd: work, env: { ...process.env, MEDINFER_PYTHON: bare } };
    const run = convertVoxelmorphCheckpoint(makeCheckpoint('vm1', false), options);
    await expect(run).rejects.toThrow(UnsupportedError);
    await expect(convertVoxelmorphCheckpoint(makeCheckpoint('vm1', false), options)).rejects.toThrow(
      /needs the Python package h5py .*apt-get install python3-h5py/,
    );
  });
});
