/** Classification outputs: `<id>.json` (labels, logits, provenance) and, with --explain, one occlusion overlay PNG per explained label. */
import type { Volume } from '../../../core/volume.js';
import type { ClassificationResult } from '../../../pipelines/classification.js';
import { blendHeat, renderSlice } from '../render-overlay.js';
import { sanitizeStem } from '../output-names.js';
import type { BatchItem } from '../types.js';
import { pngOf, rounded, toJson, type OutputFile, type TaskOutputs } from './output-files.js';

export async function buildClassificationOutputs(item: BatchItem, result: ClassificationResult, input: Volume): Promise<TaskOutputs> {
  const files: OutputFile[] = [];
  const overlays: Record<string, string> = {};
  const map = result.explanation;
  if (map) {
    const plane = map.volume.geometry.size[0] * map.volume.geometry.size[1];
    for (const [f, label] of map.labels.entries()) {
      const img = renderSlice(input, 0);
      blendHeat(img, map.volume.data, f * plane * map.volume.geometry.size[2]);
      const name = `${item.id}.explain-${sanitizeStem(label)}.png`;
      files.push({ name, bytes: await pngOf(img) });
      overlays[label] = name;
    }
  }
  const json = { id: item.id, input: item.label, labels: result.labels, logits: result.logits, ...(map ? { explanation: { method: 'occlusion', labels: map.labels, overlays } } : {}), provenance: result.provenance };
  files.unshift({ name: `${item.id}.json`, bytes: toJson(json) });
  const summary: Record<string, string | number> = { positive: result.labels.filter((l) => l.positive).map((l) => l.name).join(';') };
  for (const l of result.labels) if (l.name) summary[l.name] = rounded(l.score);
  return { files, summary, warnings: input.meta.warnings ?? [], provenance: result.provenance };
}
