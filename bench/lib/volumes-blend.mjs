/**
 * SDK side of bench/volumes.mjs figure 3 (run as its own process):
 *   node bench/lib/volumes-blend.mjs '{"size":[D,H,W],"roi":[r,r,r],"classes":3,"channels":4,"runs":3}'
 * - blending: runSlidingWindow over a [1, channels, D, H, W] tensor with a "model" that returns
 *   the same precomputed [1, classes, roi] prediction for every window (no arithmetic of its own),
 *   so the time is window extraction + Gaussian-weighted accumulation + normalisation;
 * - inverse mapping: invertToInputGrid (linear) of classes-channel probabilities from the grid a
 *   1.2 mm resample gives back to the 1 mm input grid; and the label map straight from them
 *   (invertArgmaxToInputGrid: interpolation and argmax in one pass, no probability channels).
 * Prints { blendMs, inverseMs, labelsMs, windows, modelGrid } (medians).
 */
import { createVolume, invertArgmaxToInputGrid, invertToInputGrid, runPreprocessPlan, runSlidingWindow } from '../../dist/index.js';
import { median } from './stats.mjs';

const spec = JSON.parse(process.argv[2]);
const [d, h, w] = spec.size;
let seed = 12345;
const random = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32));

const input = { data: random(spec.channels * d * h * w), dims: [1, spec.channels, d, h, w] };
const roiVoxels = spec.roi.reduce((a, b) => a * b, 1);
const prediction = random(spec.classes * roiVoxels);
let windows = 0;
const predict = async (t) => {
  windows++;
  return { data: prediction, dims: [t.dims[0], spec.classes, ...spec.roi] };
};
const blendTimes = [];
for (let r = 0; r < spec.runs; r++) {
  windows = 0;
  const t0 = performance.now();
  await runSlidingWindow(input, predict, { roi: spec.roi, overlap: 0.5, blend: 'gaussian', placement: 'nnunet' });
  blendTimes.push(performance.now() - t0);
}

// Volume axes are (i, j, k) = (W, H, D) of the torch tensor.
const source = createVolume({ geometry: { size: [w, h, d], spacing: [1, 1, 1], origin: [0, 0, 0] }, data: new Int16Array(w * h * d) });
const { records } = runPreprocessPlan(source, [{ op: 'resample', spacing: [1.2, 1.2, 1.2], mode: 'linear', rule: 'monai' }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' }]);
const grid = records[records.length - 1].outputGeometry;
const probabilities = createVolume({ geometry: grid, data: random(spec.classes * grid.size[0] * grid.size[1] * grid.size[2]), frames: spec.classes });
const inverseTimes = [];
for (let r = 0; r < spec.runs; r++) {
  const t0 = performance.now();
  invertToInputGrid(probabilities, records, { interpolation: 'linear' });
  inverseTimes.push(performance.now() - t0);
}
// Labels only (what the segmentation pipeline does unless probabilities are asked for).
const labelTimes = [];
for (let r = 0; r < spec.runs; r++) {
  const t0 = performance.now();
  invertArgmaxToInputGrid(probabilities, records);
  labelTimes.push(performance.now() - t0);
}
console.log(JSON.stringify({ blendMs: median(blendTimes), inverseMs: median(inverseTimes), labelsMs: median(labelTimes), windows: windows, modelGrid: [...grid.size].reverse() }));
