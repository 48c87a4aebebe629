/**
 * Dice per label, 2|A n B| / (|A| + |B|), by counting (exact integer arithmetic). When a label is
 * absent from both masks Dice is undefined; we return dice = 1 with bothEmpty = true (a perfect
 * "nothing predicted, nothing there"), never NaN. Callers that follow nnU-Net / MONAI's
 * ignore_empty convention drop bothEmpty entries before averaging.
 */
import { InputError, ShapeError } from '../../core/errors.js';

export interface DiceResult {
  readonly label: number;
  readonly dice: number;
  readonly intersection: number;
  readonly predictionVoxels: number;
  readonly referenceVoxels: number;
  readonly bothEmpty: boolean;
}

function checkLabel(l: number, v: number): void {
  if (!(l >= 0 && l <= 65535 && Number.isInteger(l))) throw new InputError(`label ${l} at voxel ${v} is not an integer in [0, 65535]`, { voxel: v });
}

/** Dice for `labels` (default: every non-zero label present in either map), sorted by label. */
export function computeDice(prediction: ArrayLike<number>, reference: ArrayLike<number>, options: { labels?: readonly number[] } = {}): DiceResult[] {
  const n = prediction.length;
  if (reference.length !== n) throw new ShapeError(`prediction has ${n} voxels, reference ${reference.length}`, { expected: n, actual: reference.length });
  const pc = new Float64Array(65536);
  const rc = new Float64Array(65536);
  const ic = new Float64Array(65536);
  for (let v = 0; v < n; v++) {
    const p = prediction[v]!;
    const r = reference[v]!;
    if (p !== 0) {
      checkLabel(p, v);
      pc[p]!++;
    }
    if (r !== 0) {
      checkLabel(r, v);
      rc[r]!++;
    }
    if (p === r && p !== 0) ic[p]!++;
  }
  let labels = options.labels;
  if (!labels) {
    const present: number[] = [];
    for (let l = 1; l < 65536; l++) if (pc[l]! > 0 || rc[l]! > 0) present.push(l);
    labels = present;
  }
  return labels.map((label) => {
    if (!(label > 0 && label <= 65535 && Number.isInteger(label))) throw new InputError(`Dice label ${label} must be an integer in [1, 65535]`, { label });
    const a = pc[label]!;
    const b = rc[label]!;
    const i = ic[label]!;
    const bothEmpty = a + b === 0;
    return { label, dice: bothEmpty ? 1 : (2 * i) / (a + b), intersection: i, predictionVoxels: a, referenceVoxels: b, bothEmpty };
  });
}
