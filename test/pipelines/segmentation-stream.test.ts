/**
 * Labels made slab by slab (segmentation-stream.ts) against the whole-output path of the same
 * pipeline run (asking for probabilities forces it): the bundled 4-channel 3D U-Net in 32^3
 * sliding windows (nnU-Net placement, Gaussian) on int16 inputs whose last axis (44) is padded
 * to 48 by the plan's cropPad, so the labels come back through a crop; sigmoid + regionsToLabels.
 * The label maps must be identical voxel for voxel, and the stream must be the path taken.
 */
import { describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '../../src/core/volume.js';
import { readManifestFile } from '../../src/node.js';
import { createPipeline } from '../../src/node.js';
import type { ModelEntry } from '../../src/manifest/types.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';
import { planLabelStream } from '../../src/pipelines/segmentation-stream.js';

const SIZE: [number, number, number] = [64, 64, 44];

function modality(seed: number): Volume {
  const [n0, n1, n2] = SIZE;
  const data = new Int16Array(n0 * n1 * n2);
  // A bright blob off-centre in a dimmer ellipsoid, zero outside (skull-stripped MRI-like), with noise.
  for (let k = 0; k < n2; k++)
    for (let j = 0; j < n1; j++)
      for (let i = 0; i < n0; i++) {
        const e = ((i - 32) / 28) ** 2 + ((j - 30) / 26) ** 2 + ((k - 22) / 20) ** 2;
        if (e > 1) continue;
        const b = ((i - 40) / 9) ** 2 + ((j - 26) / 8) ** 2 + ((k - 20) / 7) ** 2;
        const noise = ((i * 7919 + j * 104729 + k * 1299709 + seed * 15485863) % 97) - 48;
        data[i + n0 * (j + n1 * k)] = 300 + seed * 40 + (b < 1 ? 500 + seed * 90 : 0) + noise;
      }
  return createVolume({ geometry: { size: SIZE, spacing: [1.5, 1.5, 1.5], origin: [-40, 20, 5] }, data });
}

async function windowedEntry(): Promise<ModelEntry> {
  const manifest = await readManifestFile();
  const base = manifest.models['medinfer-brats-unet3d-phantom']!;
  return {
    ...structuredClone(base),
    id: 'brats-windowed',
    inference: { mode: 'slidingWindow', roi: [32, 32, 32], overlap: 0.5, blend: 'gaussian', placement: 'nnunet' },
  };
}

describe('segmentation labels streamed from the sliding window', () => {
  it('equal the labels of the whole output, and the stream is the path taken', async () => {
    const entry = await windowedEntry();
    const inputs = { t1: modality(1), t1ce: modality(2), t2: modality(3), flair: modality(4) };
    const pre = runPreprocessPlan(inputs, entry.preprocess, { view: true });
    const dims = (pre.deferred ?? pre.tensor).dims;
    expect(dims).toEqual([1, 4, 48, 64, 64]);
    expect(planLabelStream(entry, pre.records, dims, { meta: {} })).not.toBeNull();
    const pipe = await createPipeline('segmentation', entry, { provider: 'cpu', threads: 1 });
    const streamed = await pipe.run(inputs);
    const whole = await pipe.run(inputs, { probabilities: true });
    await pipe.dispose();
    expect(streamed.labels.geometry).toEqual(inputs.t1.geometry);
    expect(whole.labels.geometry).toEqual(inputs.t1.geometry);
    expect(Buffer.from(streamed.labels.data.buffer).equals(Buffer.from(whole.labels.data.buffer))).toBe(true);
    // Not a trivial map: the tumour labels are there.
    expect(new Set(streamed.labels.data).size).toBeGreaterThan(1);
    expect(streamed.volumesMl).toEqual(whole.volumesMl);
  });

  it('is not used where a slab would leave scalar activation tails (in-plane size not a multiple of 4)', async () => {
    const entry = await windowedEntry();
    const plan = entry.preprocess.filter((s) => s.op !== 'cropPad');
    const one = (size: [number, number, number]): Volume => createVolume({ geometry: { size }, data: new Int16Array(size[0] * size[1] * size[2]).fill(5) });
    const odd = one([63, 66, 40]);
    const even = one([64, 66, 40]);
    const preOdd = runPreprocessPlan({ t1: odd, t1ce: odd, t2: odd, flair: odd }, plan, { view: true });
    const preEven = runPreprocessPlan({ t1: even, t1ce: even, t2: even, flair: even }, plan, { view: true });
    expect(planLabelStream(entry, preOdd.records, preOdd.deferred!.dims, { meta: {} })).toBeNull();
    expect(planLabelStream(entry, preEven.records, preEven.deferred!.dims, { meta: {} })).not.toBeNull();
  });
});
