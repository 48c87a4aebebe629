/**
 * Detection outputs: `<id>.json`, PNG overlays with the boxes drawn (2D: the image; 3D: the
 * axial slices through the centres of the top detections, all boxes crossing the slice drawn),
 * and candidate rows (world mm centres) for the run's LUNA16 `candidates.csv`.
 */
import type { Volume } from '../../../core/volume.js';
import type { DetectionResult } from '../../../pipelines/detection.js';
import { drawBox, labelColor, renderSlice } from '../render-overlay.js';
import type { BatchItem } from '../types.js';
import { pngOf, rounded, toJson, type OutputFile, type TaskOutputs } from './output-files.js';

const KEY_SLICES = 3;

export async function buildDetectionOutputs(item: BatchItem, result: DetectionResult, input: Volume): Promise<TaskOutputs> {
  const files: OutputFile[] = [{ name: `${item.id}.json`, bytes: toJson({ id: item.id, input: item.label, detections: result.detections, ...(result.luna16 ? { luna16: result.luna16 } : {}), provenance: result.provenance }) }];
  const depth = input.geometry.size[2];
  const ranked = [...result.detections].sort((a, b) => b.score - a.score);
  const slices = depth === 1 ? [0] : [...new Set(ranked.slice(0, KEY_SLICES).map((d) => Math.min(depth - 1, Math.max(0, Math.floor((d.box.index.min[2] + d.box.index.max[2]) / 2)))))];
  for (const k of slices) {
    const img = renderSlice(input, k);
    for (const d of result.detections) {
      const { min, max } = d.box.index;
      if (depth > 1 && !(min[2] <= k + 0.5 && max[2] >= k + 0.5)) continue;
      drawBox(img, min[0], min[1], max[0], max[1], labelColor(d.classIndex + 1));
    }
    files.push({ name: depth === 1 ? `${item.id}.overlay.png` : `${item.id}.slice-${k}.png`, bytes: await pngOf(img) });
  }
  const candidates = result.luna16 ?? result.detections.map((d) => ({ seriesuid: item.id, coordX: d.box.world.center[0], coordY: d.box.world.center[1], coordZ: d.box.world.center[2], probability: d.score }));
  return {
    files,
    summary: { detections: result.detections.length, max_score: ranked[0] ? rounded(ranked[0].score) : null, labels: [...new Set(result.detections.map((d) => d.label))].join(';') },
    candidates,
    warnings: input.meta.warnings ?? [],
    provenance: result.provenance,
  };
}
