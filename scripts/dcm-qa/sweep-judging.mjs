/**
 * Verdicts sweep.mjs adds to the acceptance judge's (test/helpers/nifti-compare.ts) where ours and
 * dcm2niix's files differ for a reason the judge does not know: no patient grid to compare on
 * (unplaced), or the same volumes in another order (vol-order).
 */

/** Ours wrote an image without patient position / orientation (series-assemble.ts unplacedGeometry): its warning, or undefined. */
export function unplacedWarning(stderr) {
  return /warning: (no patient (position|geometry)[^\n(]*)/.exec(stderr)?.[1]?.trim();
}

/**
 * Same voxel values in any order (sorted, after scaling): where neither tool has
 * a patient grid to put them on, dcm2niix centres and flips the image, stacks frames as slices and
 * ignores ImagerPixelSpacing, ours keeps the pixel grid (identity, origin 0, frames as volumes).
 */
export function sameValues(a, b) {
  if (a.data.length !== b.data.length) return false;
  // readNifti has applied scl_slope / scl_inter already. Lossy JPEG decoders (dcm2niix's own,
  // libjpeg-turbo here) round a few samples apart: 99.9 % equal (the judge's share) or every value
  // within 2 (or 1 % of the range) counts.
  const x = Float64Array.from(a.data).sort();
  const y = Float64Array.from(b.data).sort();
  let equal = 0;
  let worst = 0;
  for (let n = 0; n < x.length; n++) {
    const d = Math.abs(x[n] - y[n]);
    if (d <= 1e-6 * Math.max(1, Math.abs(x[n]))) equal++;
    worst = Math.max(worst, d);
  }
  const range = Math.max(x[x.length - 1] - x[0], 1);
  return equal >= 0.999 * x.length || worst <= Math.max(2, 0.01 * range);
}

/**
 * Where the 4D shapes agree: for each of our volumes the index of the dcm2niix volume with the same
 * values (sorted: the grids were already found to coincide), all distinct; undefined when there is
 * no such one-to-one match or the order is the same.
 */
export function volumeOrder(ref, ours) {
  if (ref.frames < 2 || ref.frames !== ours.frames || ref.data.length !== ours.data.length) return undefined;
  const n = ref.data.length / ref.frames;
  const sortedVolume = (v, t) => Float64Array.from(v.data.subarray(t * n, (t + 1) * n)).sort();
  const refs = Array.from({ length: ref.frames }, (_, t) => sortedVolume(ref, t));
  const used = new Set();
  const order = [];
  for (let t = 0; t < ours.frames; t++) {
    const mine = sortedVolume(ours, t);
    const match = refs.findIndex((r, k) => !used.has(k) && r.every((x, i) => x === mine[i]));
    if (match < 0) return undefined;
    used.add(match);
    order.push(match);
  }
  return order.every((k, t) => k === t) ? undefined : order;
}
