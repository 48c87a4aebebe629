/** Detection on the CLI: one image per item, boxes + LUNA16 candidates.csv, FROC / CPM eval, SR findings. */
import { join } from 'node:path';
import { detectionFindings } from '../../io/dicom-write/index.js';
import { writeFileAtomic } from '../../io/node-atomic-write.js';
import { imageItems } from '../batch/collect-items.js';
import { formatCsv } from '../batch/csv.js';
import { createDetectionEvaluator, readAnnotations } from '../batch/eval/eval-detection.js';
import { loadSingleImage } from '../batch/load-item.js';
import { buildDetectionOutputs } from '../batch/task-outputs/detection.js';
import { demoDetection2d } from '../demo/sections-2d.js';
import { demoDetection } from '../demo/sections-3d.js';
import type { CliTask } from './types.js';

/** LUNA16's candidate list, written beside results.jsonl by every detection run. */
export const CANDIDATES_CSV = 'candidates.csv';

export const detectionCli: CliTask<'detection'> = {
  name: 'detection',
  volumetric: false,
  collector: () => imageItems,
  async infer(pipe, item, options) {
    const input = await loadSingleImage(item, options);
    // LUNA16 rows are keyed by the series UID when the file has one, else by the output stem.
    const seriesuid = typeof input.meta.seriesInstanceUid === 'string' ? input.meta.seriesInstanceUid : item.id;
    return { task: 'detection', input, result: await pipe.run(input, { seriesuid }) };
  },
  outputs: (item, r) => buildDetectionOutputs(item, r.result, r.input),
  /** LUNA16's candidates.csv (seriesuid, coordX, coordY, coordZ, probability; world mm) over the whole run. */
  async aggregate(outputDir, lines) {
    const rows = lines.flatMap((l) => l.candidates ?? []);
    await writeFileAtomic(join(outputDir, CANDIDATES_CSV), formatCsv(rows, ['seriesuid', 'coordX', 'coordY', 'coordZ', 'probability']));
  },
  evaluation: {
    // Every scan of the folder is a case; the references are LUNA16 annotations (default:
    // annotations.csv in the data folder, or the CSV --data names).
    cases: 'folder',
    async evaluator(_entry, data) {
      const annotations = data.annotations ?? (data.isDirectory ? join(data.path, 'annotations.csv') : data.path);
      const excluded = data.excluded ? await readAnnotations(data.excluded) : [];
      return createDetectionEvaluator(await readAnnotations(annotations), excluded);
    },
  },
  demo: [
    { name: 'detection (2D)', run: demoDetection2d },
    { name: 'detection (3D)', run: demoDetection },
  ],
  dicomweb: {
    run: (pipe, { volumes, selected }) => pipe.run(volumes.get(selected[0]!.input)!, { seriesuid: selected[0]!.series.seriesInstanceUid }),
    findings(result, { entry, source, grid, minScore }) {
      const kept = minScore === undefined ? result : { ...result, detections: result.detections.filter((d) => d.score >= minScore) };
      return { detections: detectionFindings(kept, grid.geometry, source, entry) };
    },
  },
};
