/**
 * Bare-ORT feeds for sliding-window models, cut exactly as the SDK cuts them, so the baseline
 * makes the same number of session.run calls with the same window shapes and values:
 * - segmentation (src/runtime/sliding-window): the image is padded to at least the roi, half the
 *   padding before and the rest after, with `padValue`; starts by the entry's placement.
 * - 3D detection (src/pipelines/detection.ts runWindows): starts over max(size, roi), zero padding
 *   past the far edge only.
 * Windows are cut when they are run (a copy of ~1% of a window's model time), so the bare side
 * holds one window at a time, as the pipeline does, and its peak RSS stays comparable.
 * Returns an array of thunks () => Float32Array of [1, C, ...roi].
 */
import { windowStarts } from '../../dist/runtime/sliding-window/placement.js';

function cutter(pre, roi, padBefore, padValue) {
  const [, channels, s0, s1, s2] = pre.dims;
  const [r0, r1, r2] = roi;
  return (a, b, c) => {
    const win = new Float32Array(channels * r0 * r1 * r2).fill(padValue);
    const x0 = c - padBefore[2];
    const lo = Math.max(0, -x0);
    const hi = Math.min(r2, s2 - x0);
    if (hi <= lo) return win;
    for (let ch = 0; ch < channels; ch++)
      for (let z = 0; z < r0; z++) {
        const iz = a + z - padBefore[0];
        if (iz < 0 || iz >= s0) continue;
        for (let y = 0; y < r1; y++) {
          const iy = b + y - padBefore[1];
          if (iy < 0 || iy >= s1) continue;
          const src = ((ch * s0 + iz) * s1 + iy) * s2 + x0;
          win.set(pre.data.subarray(src + lo, src + hi), ((ch * r0 + z) * r1 + y) * r2 + lo);
        }
      }
    return win;
  };
}

function grid(starts, cut) {
  const out = [];
  for (const a of starts[0]) for (const b of starts[1]) for (const c of starts[2]) out.push(() => cut(a, b, c));
  return out;
}

/** Windows of a 3D [1, C, s0, s1, s2] tensor as the segmentation sliding window places them. */
export function segmentationWindows(pre, inference) {
  const size = pre.dims.slice(2);
  const { roi, overlap } = inference;
  const padded = size.map((s, d) => Math.max(s, roi[d]));
  const padBefore = padded.map((p, d) => Math.floor((p - size[d]) / 2));
  const starts = padded.map((p, d) => windowStarts(inference.placement ?? 'monai', p, roi[d], overlap));
  return grid(starts, cutter(pre, roi, padBefore, inference.padValue ?? 0));
}

/** Windows of a 3D tensor as the 3D detection pipeline places them (zero padding after). */
export function detectionWindows(pre, inference) {
  const size = pre.dims.slice(2);
  const { roi, overlap } = inference;
  const starts = size.map((s, d) => windowStarts(inference.placement ?? 'monai', Math.max(s, roi[d]), roi[d], overlap));
  return grid(starts, cutter(pre, roi, [0, 0, 0], 0));
}
