/**
 * argmax with grid 'model' (MONAI AsDiscreted(argmax) then Invertd(nearest_interp=True), the
 * whole-body CT bundle's order) vs the default (probabilities mapped back linearly, then argmax),
 * through the real pipeline on the tiny segmenter (label 1 where the scaled input is > 0.5).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVolume, parseManifest } from '../../src/index.js';
import { invertToInputGrid, runPreprocessPlan } from '../../src/ops.js';
import { createPipeline } from '../../src/node.js';

const MODEL = fileURLToPath(new URL('../fixtures/models/tiny-segmenter.onnx', import.meta.url));
const PRE = [
  { op: 'resample', spacing: [2, 2, 2], mode: 'linear', rule: 'monai' },
  { op: 'scaleIntensityRange', aMin: 0, aMax: 100, bMin: 0, bMax: 1, clip: true },
  { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
];

function manifest(argmax: Record<string, unknown>) {
  return parseManifest(
    {
      manifestVersion: 1,
      datasets: { d: { name: 'test', tasks: ['segmentation'], modality: 'CT', acquisition: { kind: 'generated' } } },
      models: {
        m: {
          task: 'segmentation',
          title: 'tiny',
          datasets: ['d'],
          architecture: 'conv',
          files: [{ role: 'model', path: 'tiny-segmenter.onnx', sha256: createHash('sha256').update(readFileSync(MODEL)).digest('hex') }],
          weights: { kind: 'bundled' },
          dimensionality: 3,
          io: {
            inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, -1, -1, -1] }],
            outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 2, -1, -1, -1] }],
          },
          preprocess: PRE,
          inference: { mode: 'whole' },
          postprocess: [{ op: 'softmax', axis: 1 }, argmax],
          labels: ['background', 'bright'],
          intendedUse: 'tests of the argmax grid only',
        },
      },
    },
    { base: dirname(MODEL) },
  );
}

describe("segmentation argmax grid 'model'", () => {
  // A 1 mm ramp along i (0, 9, 18, ...): resampled to 2 mm, then mapped back.
  const size = [12, 4, 4];
  const data = Float32Array.from({ length: 12 * 16 }, (_, p) => (p % 12) * 9 + 0.5);
  const volume = createVolume({ geometry: { size, spacing: [1, 1, 1] }, data });

  it('labels on the model grid, carried back nearest-neighbour; differs from the linear default at the boundary', async () => {
    const runWith = async (argmax: Record<string, unknown>) => {
      const p = await createPipeline('segmentation', 'm', { manifest: manifest(argmax), provider: 'cpu' });
      try {
        return Array.from((await p.run(volume)).labels.data);
      } finally {
        await p.dispose();
      }
    };
    const onModel = await runWith({ op: 'argmax', grid: 'model' });
    const onInput = await runWith({ op: 'argmax' });
    // Expected: threshold the preprocessed (2 mm) values at 0.5, then nearest back onto the 1 mm grid.
    const { volume: pre, records } = runPreprocessPlan(volume, PRE.slice(0, 2));
    const modelLabels = createVolume({ geometry: pre.geometry, data: Uint8Array.from(pre.data as Float32Array, (x) => (x > 0.5 ? 1 : 0)) });
    expect(onModel).toEqual(Array.from(invertToInputGrid(modelLabels, records, { interpolation: 'nearest' }).data));
    // Linear probabilities put the boundary at the input's own 50.5 crossing: i = 6 is 54.5 -> 1.
    expect(onInput.slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(onModel).not.toEqual(onInput);
  });
});
