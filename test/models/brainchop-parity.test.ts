/**
 * Parity with brainchop on the real T1 (models/brainchop/sample/t1_crop.nii.gz): medinfer's
 * segmentation pipeline with the bundled manifest entry of each converted brainchop network must
 * reproduce brainchop's own pipeline - >= 99.5 % of voxels equal and Dice >= 0.99 for every label
 * present in the reference.
 *
 * The references (test/fixtures/brainchop/<model>.labels.nii.gz) were made by
 * scripts/reference/brainchop/make-reference.mjs; <model>.reference.json says how. 'tfjs-full' is
 * brainchop's runFullVolumeInference itself with the upstream tfjs model; 'onnx-network' is
 * brainchop's own pre/post-processing functions (tfjs) around the converted network (onnxruntime),
 * for the models too slow for tfjs's CPU backend here - the network was checked against tfjs on
 * blocks (test/fixtures/brainchop/network-check.json, brainchop-onnx.test.ts). Each test's name
 * states which. The entry is found by its model file (models/brainchop/<model>.onnx) and the
 * number of labels brainchop's output has (a network may back several entries, e.g. tissue and
 * brain mask); a model without such an entry in the manifest is skipped, saying so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPipeline, readManifestFile, readNifti, type Manifest, type ModelEntry, type Volume } from '../../src/node.js';
import { ROOT } from './helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'brainchop');
const T1 = join(ROOT, 'models', 'brainchop', 'sample', 't1_crop.nii.gz');
/** Model -> number of labels in brainchop's output for the reference entry (masks are 0/1). */
const MODELS: Record<string, number> = { model5_gw_ae: 3, model11_gw_ae: 2, model18cls: 18, model30chan50cls: 50, mindgrab: 2 };

interface ReferenceInfo {
  method: string;
  brainchopEntry: { id: number; modelName: string };
  labelCounts: Record<string, number>;
}

const manifest: Manifest = await readManifestFile();

function entryFor(model: string, labels: number): ModelEntry | undefined {
  const all = Object.values(manifest.models).filter((m) => m.files.some((f) => f.role === 'model' && (f.path ?? '').endsWith(`brainchop/${model}.onnx`)));
  const matching = all.length > 1 ? all.filter((m) => (m.labels?.length ?? 0) === labels) : all;
  if (matching.length > 1)
    throw new Error(
      `${model}: ${matching.length} manifest entries use it with ${labels} labels (${matching.map((m) => m.id).join(', ')}); the parity test needs one`,
    );
  return matching[0];
}

function dicePerLabel(ref: ArrayLike<number>, got: ArrayLike<number>): Map<number, number> {
  const inter = new Map<number, number>();
  const nRef = new Map<number, number>();
  const nGot = new Map<number, number>();
  for (let i = 0; i < ref.length; i++) {
    const a = ref[i]!;
    const b = got[i]!;
    nRef.set(a, (nRef.get(a) ?? 0) + 1);
    nGot.set(b, (nGot.get(b) ?? 0) + 1);
    if (a === b) inter.set(a, (inter.get(a) ?? 0) + 1);
  }
  const dice = new Map<number, number>();
  for (const [label, n] of nRef) if (label !== 0) dice.set(label, (2 * (inter.get(label) ?? 0)) / (n + (nGot.get(label) ?? 0)));
  return dice;
}

for (const [model, labelCount] of Object.entries(MODELS)) {
  const info = JSON.parse(readFileSync(join(FIXTURES, `${model}.reference.json`), 'utf8')) as ReferenceInfo;
  const how = info.method.startsWith('tfjs-full')
    ? 'brainchop runFullVolumeInference with tfjs'
    : "brainchop's pre/post-processing around the ONNX network (tfjs-checked on blocks)";
  const entry = entryFor(model, labelCount);
  describe.skipIf(!entry)(
    `brainchop ${model} (entry ${info.brainchopEntry.id}, reference: ${how})${entry ? '' : ' - no manifest entry uses this model yet'}`,
    () => {
      it('labels the real T1 as brainchop does: >= 99.5 % voxels equal, Dice >= 0.99 per label', async () => {
        const reference = await readNifti(new Uint8Array(readFileSync(join(FIXTURES, `${model}.labels.nii.gz`))));
        const t1 = await readNifti(new Uint8Array(readFileSync(T1)));
        const pipe = await createPipeline('segmentation', entry!.id, { manifest, provider: 'cpu' });
        const result = await pipe.run(t1 as Volume);
        await pipe.dispose();
        expect(result.labels.geometry.size).toEqual(reference.geometry.size);
        const got = result.labels.data;
        const ref = reference.data;
        let equal = 0;
        for (let i = 0; i < ref.length; i++) if (ref[i] === got[i]) equal++;
        expect(equal / ref.length).toBeGreaterThanOrEqual(0.995);
        const dice = dicePerLabel(ref, got);
        expect(dice.size).toBe(Object.keys(info.labelCounts).filter((l) => l !== '0').length);
        for (const [label, d] of dice) expect(d, `label ${label}`).toBeGreaterThanOrEqual(0.99);
      }, 900_000);
    },
  );
}
