/**
 * Labels made slab by slab (segmentation-stream.ts) against the whole-output path of the same
 * pipeline run (asking for probabilities forces it): the bundled 4-channel 3D U-Net in 32^3
 * sliding windows (nnU-Net placement, Gaussian) on int16 inputs whose last axis (44) is padded
 * to 48 by the plan's cropPad, so the labels come back through a crop; sigmoid + regionsToLabels.
 * The label maps must be identical voxel for voxel, and the stream must be the path taken.
 */
import { describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '../../src/core/volume.js';
import { createPipeline } from '../../src/node.js';
import { bratsLikeInputs, windowedBratsEntry as windowedEntry } from '../fixtures/segmentation/brats-like.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';
import { planLabelStream } from '../../src/pipelines/segmentation-stream.js';

describe('segmentation labels streamed from the sliding window', () => {
  it('equal the labels of the whole output, and the stream is the path taken', async () => {
    const entry = await windowedEntry();
    const inputs = bratsLikeInputs();
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
