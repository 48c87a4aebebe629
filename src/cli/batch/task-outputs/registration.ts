/**
 * Registration outputs: the warped moving image and the displacement field (LPS mm, 3
 * components, NIfTI vector intent) on the fixed grid, warped labels when given, and
 * `<id>.json` with folding %, Jacobian range and landmark TRE.
 */
import type { Volume } from '../../../core/volume.js';
import type { RegistrationResult } from '../../../pipelines/registration.js';
import type { BatchItem } from '../types.js';
import { niftiGz, rounded, toJson, type OutputFile, type TaskOutputs } from './output-files.js';

function range(data: ArrayLike<number>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / Math.max(1, data.length) };
}

export async function buildRegistrationOutputs(item: BatchItem, result: RegistrationResult, fixed: Volume): Promise<TaskOutputs> {
  const volumes: [string, Volume][] = [[`${item.id}.warped.nii.gz`, result.warped], [`${item.id}.displacement.nii.gz`, result.displacement]];
  if (result.warpedLabels) volumes.push([`${item.id}.warped-labels.nii.gz`, result.warpedLabels]);
  // Compressed side by side on the thread pool.
  const files: OutputFile[] = await Promise.all(volumes.map(async ([name, v]) => ({ name, bytes: await niftiGz(v) })));
  const jac = range(result.jacobian.data);
  const tre = result.tre ? { meanMm: result.tre.meanMm, stdMm: result.tre.stdMm, maxMm: result.tre.maxMm, identityMeanMm: result.tre.identityMeanMm, count: result.tre.count, perPointMm: result.tre.perPointMm } : undefined;
  const warnings = [...(fixed.meta.warnings ?? []), ...result.warnings];
  files.push({ name: `${item.id}.json`, bytes: toJson({ id: item.id, input: item.label, foldingPercent: result.foldingPercent, jacobian: jac, ...(tre ? { tre } : {}), warnings, provenance: result.provenance }) });
  return {
    files,
    summary: {
      folding_percent: rounded(result.foldingPercent),
      jacobian_min: rounded(jac.min),
      jacobian_max: rounded(jac.max),
      tre_mean_mm: tre ? rounded(tre.meanMm) : null,
      tre_std_mm: tre ? rounded(tre.stdMm) : null,
      tre_identity_mean_mm: tre ? rounded(tre.identityMeanMm) : null,
    },
    warnings,
    provenance: result.provenance,
  };
}
