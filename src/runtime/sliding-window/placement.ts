/**
 * Window start positions along one axis, reproducing the two conventions users compare against:
 * MONAI `dense_patch_slices` (fixed interval, last window clamped to the end) and nnU-Net
 * `compute_steps_for_sliding_window` (windows spread evenly, rounded half-to-even like np.round).
 */

export type WindowPlacement = 'monai' | 'nnunet';

/** MONAI: interval = int(roi * (1 - overlap)) (roi when it equals the size; at least 1). */
export function monaiWindowStarts(size: number, roi: number, overlap: number): number[] {
  if (roi >= size) return [0];
  const interval = Math.max(1, Math.floor(roi * (1 - overlap)));
  const starts: number[] = [];
  for (let i = 0; ; i++) {
    const start = i * interval;
    starts.push(Math.min(start, size - roi));
    if (start + roi >= size) break;
  }
  return starts;
}

/** np.round: round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** nnU-Net: n = ceil((size - roi) / (roi * step)) + 1 windows spread over [0, size - roi]. */
export function nnunetWindowStarts(size: number, roi: number, overlap: number): number[] {
  if (roi >= size) return [0];
  const step = 1 - overlap;
  const target = roi * step;
  const n = Math.ceil((size - roi) / target) + 1;
  const actual = (size - roi) / (n - 1);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) starts.push(roundHalfEven(actual * i));
  return starts;
}

export function windowStarts(placement: WindowPlacement, size: number, roi: number, overlap: number): number[] {
  return placement === 'monai' ? monaiWindowStarts(size, roi, overlap) : nnunetWindowStarts(size, roi, overlap);
}
