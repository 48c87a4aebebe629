/**
 * The segmentation volume kernels for `bench/kernel-threads.mjs --family volume` (issue 26 req. 4),
 * each as the pipelines run it, on the bytes bench/python/kernel_threads.py wrote:
 * - sigmoid, softmax: in place on 3 planar channels in a kernel arena (a blended output): an own
 *   memory at 1 thread, a shared one above (what the blend accumulator allocates then);
 * - argmax: 3 channels -> uint8 labels, from that arena;
 * - resample: trilinear (align_corners=True, border) of a 1-channel float32 image from ~0.8x the
 *   size up to the size (preprocessing's resampling to the model spacing);
 * - resampleArgmax: 3 channels from ~0.8x up to the size, then argmax, fused (restoring labels
 *   on the input grid);
 * - blend: Gaussian sliding-window accumulation of 3-channel 64^3 windows, overlap 0.5, one
 *   window a batch, and the normalisation (createBlendAccumulator, as runSlidingWindow uses it).
 * `threads` is set process-wide (configureKernelThreads) or passed where the function takes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configureKernelThreads } from '../../dist/node.js';
import { createKernelArena } from '../../dist/core/volume-kernels.js';
import { applySigmoid, applySoftmaxChannelsInPlace } from '../../dist/postprocess/classification/activations.js';
import { argmaxChannels } from '../../dist/postprocess/segmentation/label-maps.js';
import { buildTransformTables } from '../../dist/preprocess/resample-grid.js';
import { labelsTrilinearSeparable, sampleTrilinearSeparable } from '../../dist/preprocess/separable-trilinear.js';
import { createBlendAccumulator } from '../../dist/runtime/sliding-window/blend-accumulator.js';
import { cachedBlendMap } from '../../dist/runtime/sliding-window/importance.js';
import { windowStarts } from '../../dist/runtime/sliding-window/placement.js';

export const CHANNELS = 3;
export const ROI = 64;

export function volumeSizes(quick) {
  return quick
    ? [
        [48, 48, 48],
        [96, 112, 128],
      ]
    : [
        [48, 48, 48],
        [64, 64, 64],
        [80, 80, 80],
        [96, 112, 128],
        [160, 192, 160],
      ];
}

/** The source size of the resampling ops: round(0.8 x size), as the python side computes it. */
export function smallSize(size) {
  return size.map((n) => Math.max(2, Math.round(0.8 * n)));
}

const read = (dir, name) => {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** Copy of `data` in a kernel arena (shared memory or not): the blended output's home. */
function inArena(data, shared) {
  const arena = createKernelArena([data.length * 4], { shared });
  const view = arena.f32.subarray(arena.offsets[0] >> 2, (arena.offsets[0] >> 2) + data.length);
  view.set(data);
  return view;
}

export function prepareVolumeOps(size, dir, torchCheck) {
  const [ni, nj, nk] = size;
  const voxels = ni * nj * nk;
  const logits = read(dir, 'logits.bin');
  const small = smallSize(size);
  const image = read(dir, 'image_small.bin');
  const probs = read(dir, 'probs_small.bin');
  const pred = read(dir, 'window_pred.bin');
  const arenas = { own: inArena(logits, false), shared: inArena(logits, true) };
  const arenaFor = (t) => (t > 1 ? arenas.shared : arenas.own);
  // The model-grid probabilities the fused resampling reads: the blend arena, shared when threaded.
  const probArenas = { own: inArena(probs, false), shared: inArena(probs, true) };
  const withThreads = (fn) => (t) => {
    configureKernelThreads({ threads: t, minVoxels: 0 });
    return fn(t);
  };
  // align_corners=True: output t samples source t * (n - 1) / (m - 1).
  const transform = { axes: [0, 1, 2], scale: small.map((n, a) => (n - 1) / Math.max(1, size[a] - 1)), offset: [0, 0, 0] };
  const tables = buildTransformTables(transform, small, size, true, 'border');
  const source = (src, channels) => ({ src, srcSize: small, channels, outSize: size, tables, fill: 0 });
  const grid = {
    size: [nk, nj, ni],
    roi: [ROI, ROI, ROI].map((r, d) => Math.min(r, [nk, nj, ni][d])),
    padBefore: [0, 0, 0],
    starts: [],
  };
  grid.starts = grid.roi.map((r, d) => windowStarts('monai', grid.size[d], r, 0.5));
  const map = cachedBlendMap(grid.roi, 'gaussian', 'monai', 0.125);
  const roiVoxels = grid.roi[0] * grid.roi[1] * grid.roi[2];
  const windows = [];
  for (const z of grid.starts[0]) for (const y of grid.starts[1]) for (const x of grid.starts[2]) windows.push([z, y, x]);
  const blend = () => {
    const acc = createBlendAccumulator(grid, CHANNELS, map, 1, CHANNELS * roiVoxels);
    for (const w of windows) acc.add(pred, [w]);
    return acc.finish();
  };
  // Checks against torch: argmax agreement, resampled mean, blended mean.
  const labels = argmaxChannels(logits, CHANNELS);
  const resampled = sampleTrilinearSeparable(source(image, 1), 1);
  const blended = blend();
  const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  let same = 0;
  const torchLabels = readFileSync(join(dir, 'argmax.bin'));
  for (let v = 0; v < voxels; v++) if (torchLabels[v] === labels[v]) same++;
  return {
    check: {
      argmaxAgreement: same / voxels,
      resampleMean: mean(resampled),
      torchResampleMean: torchCheck.resampleMean,
      blendMean: mean(blended),
      torchBlendMean: torchCheck.blendMean,
      windows: windows.length,
    },
    ops: {
      sigmoid: withThreads((t) => applySigmoid(arenaFor(t), arenaFor(t))),
      softmax: withThreads((t) => applySoftmaxChannelsInPlace(arenaFor(t), CHANNELS)),
      argmax: withThreads((t) => argmaxChannels(arenaFor(t), CHANNELS)),
      resample: withThreads((t) => sampleTrilinearSeparable(source(image, 1), t)),
      resampleArgmax: withThreads((t) => labelsTrilinearSeparable(source(t > 1 ? probArenas.shared : probArenas.own, CHANNELS), { kind: 'argmax' }, t)),
      blend: withThreads(() => blend()),
    },
  };
}
