/**
 * SDK side of bench/volumes.mjs figure 3 (run as its own process):
 *   node bench/lib/volumes-blend.mjs '{"size":[D,H,W],"roi":[r,r,r],"classes":3,"channels":4,"runs":3}'
 * - blending: runSlidingWindow over a [1, channels, D, H, W] tensor with a "model" that returns
 *   the same precomputed [1, classes, roi] prediction for every window (no arithmetic of its own),
 *   so the time is window extraction + Gaussian-weighted accumulation + normalisation;
 * - inverse mapping: invertToInputGrid (linear) of classes-channel probabilities from the grid a
 *   1.2 mm resample gives back to the 1 mm input grid; and the label map straight from them
 *   (invertArgmaxToInputGrid: interpolation and argmax in one pass, no probability channels).
 * - the inverse step of the pipeline with `{ probabilities: true }`: the probabilities mapped back
 *   and the label map from them (invertToInputGrid + argmaxChannels).
 * `"warmup": true` runs everything once untimed first (JIT, kernel compile), as the torch side does.
 * Prints { blendMs, inverseMs, labelsMs, probsAndLabelsMs, windows, modelGrid } (medians).
 */
import { createVolume } from '../../dist/index.js';
import { argmaxChannels, invertArgmaxToInputGrid, invertToInputGrid, runPreprocessPlan, runSlidingWindow } from '../../dist/ops.js';
import { median } from './stats.mjs';

const spec = JSON.parse(process.argv[2]);
const [d, h, w] = spec.size;
let seed = 12345;
const random = (n) => Float32Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

const input = { data: random(spec.channels * d * h * w), dims: [1, spec.channels, d, h, w] };
const roiVoxels = spec.roi.reduce((a, b) => a * b, 1);
const prediction = random(spec.classes * roiVoxels);
let windows = 0;
const predict = async (t) => {
  windows++;
  return { data: prediction, dims: [t.dims[0], spec.classes, ...spec.roi] };
};
/** Median ms of spec.runs calls of fn, after one untimed call when spec.warmup is set. */
async function timed(fn) {
  if (spec.warmup) await fn();
  const times = [];
  for (let r = 0; r < spec.runs; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const blendMs = await timed(async () => {
  windows = 0;
  await runSlidingWindow(input, predict, { roi: spec.roi, overlap: 0.5, blend: 'gaussian', placement: 'nnunet' });
});

// Volume axes are (i, j, k) = (W, H, D) of the torch tensor.
const source = createVolume({ geometry: { size: [w, h, d], spacing: [1, 1, 1], origin: [0, 0, 0] }, data: new Int16Array(w * h * d) });
const { records } = runPreprocessPlan(source, [
  { op: 'resample', spacing: [1.2, 1.2, 1.2], mode: 'linear', rule: 'monai' },
  { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' },
]);
const grid = records[records.length - 1].outputGeometry;
const probabilities = createVolume({ geometry: grid, data: random(spec.classes * grid.size[0] * grid.size[1] * grid.size[2]), frames: spec.classes });
const inverseMs = await timed(() => invertToInputGrid(probabilities, records, { interpolation: 'linear' }));
// Labels only (what the segmentation pipeline does unless probabilities are asked for).
const labelsMs = await timed(() => invertArgmaxToInputGrid(probabilities, records));
// Probabilities requested: both on the input grid (what segment() returns then).
const probsAndLabelsMs = await timed(() => argmaxChannels(invertToInputGrid(probabilities, records, { interpolation: 'linear' }).data, spec.classes));
console.log(JSON.stringify({ blendMs, inverseMs, labelsMs, probsAndLabelsMs, windows, modelGrid: [...grid.size].reverse() }));
