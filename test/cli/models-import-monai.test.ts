/**
 * `medinfer models import-monai` through the real CLI (dist/): the spleen bundle's configs with a
 * stand-in ONNX of the same I/O (the tiny segmenter: 1 channel in, 2 out) go into a temporary
 * model store, are listed verified and run on a CT; without --onnx the entry is printed.
 */
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, readNifti } from '../../src/index.js';
import { assertBuilt, makeWorkDir, ROOT, runCli, writeTestNifti } from '../fixtures/cli/cli-harness.js';

const SPLEEN = join(ROOT, 'test/fixtures/monai-bundles/spleen_ct_segmentation');
let work: string;
const env = () => ({ MEDINFER_MODELS: join(work, 'store'), NO_COLOR: '1' });

beforeAll(() => {
  assertBuilt();
  work = makeWorkDir('medinfer-import-monai-');
  copyFileSync(join(ROOT, 'test/fixtures/models/tiny-segmenter.onnx'), join(work, 'spleen.onnx'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('medinfer models import-monai', () => {
  it('without --onnx prints the entry; notes go to stderr', async () => {
    const r = await runCli(['models', 'import-monai', SPLEEN], { cwd: work, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const entry = JSON.parse(r.stdout) as { id: string; preprocess: { op: string }[]; inference: { roi: number[] } };
    expect(entry.id).toBe('monai-spleen-ct-segmentation');
    expect(entry.preprocess.map((s) => s.op)).toEqual(['orient', 'resample', 'scaleIntensityRange', 'toTensor']);
    expect(entry.inference.roi).toEqual([96, 96, 96]);
    expect(r.stderr).toMatch(/note: postprocessing\[3\] SaveImaged: no step/);
  });

  it('with --onnx: the bundled id is refused, another id is added to the store, listed verified and runs', async () => {
    const taken = await runCli(['models', 'import-monai', SPLEEN, '--onnx', 'spleen.onnx'], { cwd: work, env: env() });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/E_MANIFEST: .*model id 'monai-spleen-ct-segmentation' is also a bundled model's id/);
    const added = await runCli(['models', 'import-monai', SPLEEN, '--onnx', 'spleen.onnx', '--id', 'my-spleen'], { cwd: work, env: env() });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/added my-spleen in .*store/);
    const stored = JSON.parse(readFileSync(join(work, 'store', 'models.manifest.json'), 'utf8')) as {
      models: Record<string, { io: { inputs: { name: string; dims: number[] }[] }; weights: { kind: string } }>;
    };
    expect(stored.models['my-spleen']!.io.inputs[0]).toMatchObject({ name: 'image', dims: [-1, 1, 96, 96, 96] });
    expect(stored.models['my-spleen']!.weights.kind).toBe('user');
    const listed = await runCli(['models'], { cwd: work, env: env() });
    expect(listed.stdout).toMatch(/my-spleen\s+segmentation\s+user\s+store\s+verified\s+msd-spleen\s+UNet \(MONAI\)/);

    // A small CT (LPS, 1 mm): the stand-in network marks voxels whose scaled HU is > 0.5, i.e. > 53.5 HU.
    const size = [20, 18, 12];
    const hu = Float32Array.from({ length: 20 * 18 * 12 }, (_, p) => (p % 20 < 10 ? -100 : 200));
    writeTestNifti(join(work, 'ct.nii.gz'), createVolume({ geometry: { size, spacing: [1, 1, 1.5] }, data: hu, meta: { modality: 'CT' } }));
    const ran = await runCli(['run', '--model', 'my-spleen', '--input', 'ct.nii.gz', '--output', 'out', '--provider', 'cpu'], { cwd: work, env: env() });
    expect(ran.code, ran.stderr).toBe(0);
    expect(existsSync(join(work, 'out', 'ct.seg.nii.gz'))).toBe(true);
    const mask = await readNifti(readFileSync(join(work, 'out', 'ct.seg.nii.gz')));
    // Away from the -100 | 200 HU boundary (resampled to 1.5 mm and back), labels follow the HU.
    const at = (i: number, j: number, k: number) => mask.data[(k * 18 + j) * 20 + i];
    expect([at(2, 9, 6), at(17, 9, 6)]).toEqual([0, 1]);
  }, 60_000);

  it('a graph that disagrees with the bundle is refused, naming the field (105 organ channels vs 2)', async () => {
    const r = await runCli(
      ['models', 'import-monai', join(ROOT, 'test/fixtures/monai-bundles/wholeBody_ct_segmentation'), '--onnx', 'spleen.onnx', '--id', 'my-wholebody'],
      { cwd: work, env: env() },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_SHAPE: .*spleen\.onnx does not match the entry's io\.outputs\[0\]\.dims\[1\]: .*axis 1 is 2, manifest expects 105/);
  });
});
