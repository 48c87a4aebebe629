/**
 * Follows the README's "From an ONNX file to `medinfer run`" walkthrough literally: the entry.json
 * and the command lines are read from README.md and run through the real CLI (dist/) with the
 * model store in a temporary folder (MEDINFER_MODELS), then the label map is checked voxel by voxel.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, readNifti } from '../../src/index.js';
import { assertBuilt, makeWorkDir, ROOT, runCli, writeTestNifti } from '../fixtures/cli/cli-harness.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced block right after `<!-- walkthrough:NAME -->`. */
function walkthroughBlock(name: string): string {
  const match = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!match) throw new Error(`README.md has no walkthrough block '${name}'`);
  return match[1]!;
}

/** Splits a README command line into arguments (the walkthrough uses no quoting). */
function commandArgs(line: string): string[] {
  const [program, ...args] = line.trim().split(/\s+/);
  expect(program).toBe('medinfer');
  return args;
}

let work: string;
let store: string;
const env = () => ({ MEDINFER_MODELS: store, NO_COLOR: '1' });

// A CT-like scan in HU: soft tissue, air and bone-dense voxels, never exactly the 200 HU threshold.
const GEOMETRY = { size: [10, 9, 7], spacing: [0.8, 0.8, 2.5], origin: [-4, 12, -30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const HU = Float32Array.from({ length: 10 * 9 * 7 }, (_, i) => [40, -900, 650, 180, 230, 1200, -50][i % 7]! + (i % 5));

beforeAll(() => {
  assertBuilt();
  work = makeWorkDir('medinfer-store-walkthrough-');
  store = join(work, 'store');
  copyFileSync(join(ROOT, 'test/fixtures/models/tiny-segmenter.onnx'), join(work, 'bone-threshold.onnx'));
  writeFileSync(join(work, 'entry.json'), walkthroughBlock('entry.json'));
  writeTestNifti(join(work, 'scan.nii.gz'), createVolume({ geometry: GEOMETRY, data: HU, meta: { modality: 'CT' } }));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README walkthrough: bring your own ONNX segmentation model', () => {
  it('models add -> models (verified, from the store) -> run writes the label map', async () => {
    const lines = walkthroughBlock('commands')
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(3);
    const [add, list, run] = lines.map(commandArgs) as [string[], string[], string[]];

    const added = await runCli(add, { cwd: work, env: env() });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/added bone-threshold-demo in .*store/);
    expect(existsSync(join(store, 'bone-threshold-demo.onnx'))).toBe(true);

    const listed = await runCli(list, { cwd: work, env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`Model store: ${store} (MEDINFER_MODELS; 1 model)`);
    expect(listed.stdout).toMatch(/bone-threshold-demo\s+segmentation\s+user\s+store\s+verified\s+my-ct-cases/);
    // Bundled models are still there, from the package.
    expect(listed.stdout).toMatch(/medinfer-brats-unet3d-phantom\s+segmentation\s+bundled\s+package\s+verified/);

    const ran = await runCli([...run, '--provider', 'cpu'], { cwd: work, env: env() });
    expect(ran.code, ran.stderr).toBe(0);
    const mask = await readNifti(readFileSync(join(work, 'out', 'scan.seg.nii.gz')));
    expect(mask.geometry.size).toEqual(GEOMETRY.size);
    // scaleIntensityRange maps -200..600 HU to 0..1 and the model marks > 0.5, i.e. > 200 HU.
    expect(Array.from(mask.data)).toEqual(Array.from(HU, (v) => (v > 200 ? 1 : 0)));
  });

  it('a second add of the same id, a mismatching graph, a changed file, remove and a missing --models-dir', async () => {
    const again = await runCli(['models', 'add', 'bone-threshold.onnx', '--entry', 'entry.json'], { cwd: work, env: env() });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/E_MANIFEST: model 'bone-threshold-demo' is already in the store .*--replace/);
    const entry = JSON.parse(readFileSync(join(work, 'entry.json'), 'utf8')) as { id: string; io: { outputs: { dims: number[] }[] } };
    entry.id = 'bone-threshold-wrong';
    entry.io.outputs[0]!.dims = [-1, 3, -1, -1, -1];
    mkdirSync(join(work, 'bad'), { recursive: true });
    writeFileSync(join(work, 'bad', 'entry.json'), JSON.stringify(entry));
    const wrong = await runCli(['models', 'add', 'bone-threshold.onnx', '--entry', 'bad/entry.json'], { cwd: work, env: env() });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/E_SHAPE: .*bone-threshold\.onnx does not match the entry's io\.outputs\[0\]\.dims\[1\]: .*axis 1 is 2, manifest expects 3/);
    // A store file that changes after it was added fails verification (exit 1, naming it).
    appendFileSync(join(store, 'bone-threshold-demo.onnx'), Buffer.from([0]));
    const verify = await runCli(['models', 'verify'], { cwd: work, env: env() });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/bone-threshold-demo: .*bone-threshold-demo\.onnx: sha256 mismatch/);
    const removed = await runCli(['models', 'remove', 'bone-threshold-demo'], { cwd: work, env: env() });
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(join(store, 'bone-threshold-demo.onnx'))).toBe(false);
    expect((await runCli(['models', 'verify'], { cwd: work, env: env() })).code).toBe(0);
    const notThere = await runCli(['models', 'remove', 'medinfer-brats-unet3d-phantom'], { cwd: work, env: env() });
    expect(notThere.code).toBe(2);
    expect(notThere.stderr).toMatch(/E_MANIFEST: model 'medinfer-brats-unet3d-phantom' is not in the model store/);
    const nowhere = await runCli(['models', '--models-dir', join(work, 'no-such-store')], { cwd: work, env: env() });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/E_MODEL_FILE: models folder .*no-such-store .*does not exist/);
  });
});
