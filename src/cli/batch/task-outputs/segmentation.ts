/**
 * Segmentation outputs: `<id>.seg.nii.gz` (label map on the input's exact grid, so the same
 * affine as the input), `<id>.json` (volumes in ml per label) and `<id>.overlay.png` of the
 * axial slice with the largest mask area; with a `maskInput` step (brain extraction) also
 * `<id>.masked.nii.gz`, the input with voxels outside the labels set to 0.
 */
import type { Volume } from '../../../core/volume.js';
import type { SegmentationResult } from '../../../pipelines/segmentation.js';
import { blendLabels, renderSlice } from '../render-overlay.js';
import type { BatchItem } from '../types.js';
import { niftiGz, pngOf, rounded, toJson, type TaskOutputs } from './output-files.js';

function largestSlice(labels: Volume): number {
  const [ni, nj, nk] = labels.geometry.size;
  const plane = ni * nj;
  let best = Math.floor(nk / 2);
  let bestArea = 0;
  for (let k = 0; k < nk; k++) {
    let area = 0;
    for (let p = k * plane; p < (k + 1) * plane; p++) if (labels.data[p] !== 0) area++;
    if (area > bestArea) {
      bestArea = area;
      best = k;
    }
  }
  return best;
}

export async function buildSegmentationOutputs(item: BatchItem, result: SegmentationResult, input: Volume): Promise<TaskOutputs> {
  const k = largestSlice(result.labels);
  const img = renderSlice(input, k);
  const plane = result.labels.geometry.size[0] * result.labels.geometry.size[1];
  blendLabels(img, result.labels.data, k * plane);
  const warnings = [...(input.meta.warnings ?? []), ...result.warnings];
  const volumes = Object.fromEntries(Object.entries(result.volumesMl).map(([n, v]) => [n, rounded(v)]));
  const masked = result.masked ? [{ name: `${item.id}.masked.nii.gz`, bytes: await niftiGz(result.masked) }] : [];
  const json = { id: item.id, input: item.label, mask: `${item.id}.seg.nii.gz`, ...(result.masked ? { masked: `${item.id}.masked.nii.gz` } : {}), volumesMl: volumes, overlaySlice: k, warnings, provenance: result.provenance };
  const summary: Record<string, number> = {};
  for (const [n, v] of Object.entries(volumes)) summary[`${n}_ml`] = v;
  return {
    files: [
      { name: `${item.id}.seg.nii.gz`, bytes: await niftiGz(result.labels) },
      { name: `${item.id}.overlay.png`, bytes: await pngOf(img) },
      { name: `${item.id}.json`, bytes: toJson(json) },
      ...masked,
    ],
    summary,
    warnings,
    provenance: result.provenance,
  };
}
