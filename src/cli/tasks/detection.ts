/**
 * Detection on the CLI: one image per item, boxes + LUNA16 candidates.csv, FROC / CPM eval, SR findings.
 *
 * Outputs: `<id>.json`, PNG overlays with the boxes drawn (2D: the image; 3D: the
 * axial slices through the centres of the top detections, all boxes crossing the slice drawn),
 * and candidate rows (world mm centres) for the run's LUNA16 `candidates.csv`.
 *
 * Evaluation: LUNA16 FROC / CPM. Annotations CSV as LUNA16 writes it (seriesuid, coordX, coordY,
 * coordZ, diameter_mm; world mm). A scan's id is its DICOM series UID when it has one, else the
 * input's output stem (file name without extension), the same ids `medinfer run` writes to
 * candidates.csv; annotations may use either.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { detectionFindings } from '../../pipelines/dicom-results.js';
import { writeFileAtomic } from '../../core/node-atomic-write.js';
import type { DetectionResult } from '../../pipelines/detection.js';
import { computeFroc, type FrocAnnotation, type FrocCandidate } from '../../postprocess/metrics/froc.js';
import { imageItems } from '../batch/collect-items.js';
import { formatCsv, parseCsv } from '../batch/csv.js';
import { fmt } from '../batch/eval/eval-types.js';
import { loadSingleImage } from '../batch/load-item.js';
import { drawBox, labelColor, renderSlice } from '../batch/render-overlay.js';
import { type OutputFile, pngOf, rounded, type TaskOutputs, toJson } from '../batch/task-outputs/output-files.js';
import type { BatchItem } from '../batch/types.js';
import { demoDetection2d } from '../demo/sections-2d.js';
import { demoDetection } from '../demo/sections-3d.js';
import type { CliTask, Evaluator } from './types.js';

const KEY_SLICES = 3;

async function buildDetectionOutputs(item: BatchItem, result: DetectionResult, input: Volume): Promise<TaskOutputs> {
  const files: OutputFile[] = [
    {
      name: `${item.id}.json`,
      bytes: toJson({
        id: item.id,
        input: item.label,
        detections: result.detections,
        ...(result.luna16 ? { luna16: result.luna16 } : {}),
        provenance: result.provenance,
      }),
    },
  ];
  const depth = input.geometry.size[2];
  const ranked = [...result.detections].sort((a, b) => b.score - a.score);
  const slices =
    depth === 1
      ? [0]
      : [...new Set(ranked.slice(0, KEY_SLICES).map((d) => Math.min(depth - 1, Math.max(0, Math.floor((d.box.index.min[2] + d.box.index.max[2]) / 2)))))];
  for (const k of slices) {
    const img = renderSlice(input, k);
    for (const d of result.detections) {
      const { min, max } = d.box.index;
      if (depth > 1 && !(min[2] <= k + 0.5 && max[2] >= k + 0.5)) continue;
      drawBox(img, min[0], min[1], max[0], max[1], labelColor(d.classIndex + 1));
    }
    files.push({ name: depth === 1 ? `${item.id}.overlay.png` : `${item.id}.slice-${k}.png`, bytes: await pngOf(img) });
  }
  const candidates =
    result.luna16 ??
    result.detections.map((d) => ({
      seriesuid: item.id,
      coordX: d.box.world.center[0],
      coordY: d.box.world.center[1],
      coordZ: d.box.world.center[2],
      probability: d.score,
    }));
  return {
    files,
    summary: {
      detections: result.detections.length,
      max_score: ranked[0] ? rounded(ranked[0].score) : null,
      labels: [...new Set(result.detections.map((d) => d.label))].join(';'),
    },
    candidates,
    warnings: input.meta.warnings ?? [],
    provenance: result.provenance,
  };
}

async function readAnnotations(path: string): Promise<FrocAnnotation[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`cannot read annotations ${path}`, { field: 'annotations', file: basename(path) });
  });
  const table = parseCsv(text, basename(path));
  const diameterColumn = ['diameter_mm', 'diameter', 'diameterMm'].find((c) => table.header.includes(c));
  const missing = ['seriesuid', 'coordX', 'coordY', 'coordZ'].filter((c) => !table.header.includes(c));
  if (missing.length || !diameterColumn)
    throw new UsageError(
      `${basename(path)}: LUNA16 annotations need seriesuid, coordX, coordY, coordZ, diameter_mm (missing: ` +
        `${[...missing, ...(diameterColumn ? [] : ['diameter_mm'])].join(', ')})`,
      { field: 'annotations' },
    );
  return table.rows.map((r) => ({
    scan: r['seriesuid']!,
    x: Number(r['coordX']),
    y: Number(r['coordY']),
    z: Number(r['coordZ']),
    diameterMm: Number(r[diameterColumn]),
  }));
}

function createDetectionEvaluator(annotations: readonly FrocAnnotation[], excluded: readonly FrocAnnotation[] = []): Evaluator {
  const scans: string[] = [];
  const alias = new Map<string, string>();
  const candidates: FrocCandidate[] = [];
  return {
    async add(item, r) {
      if (r.task !== 'detection') return;
      const uid = r.input.meta.seriesInstanceUid;
      const scan = typeof uid === 'string' ? uid : item.id;
      scans.push(scan);
      alias.set(item.id, scan);
      for (const d of r.result.detections)
        candidates.push({ scan, x: d.box.world.center[0], y: d.box.world.center[1], z: d.box.world.center[2], probability: d.score });
    },
    finish() {
      const known = new Set(scans);
      const remap = (a: FrocAnnotation): FrocAnnotation => (known.has(a.scan) ? a : { ...a, scan: alias.get(a.scan) ?? a.scan });
      const included = annotations.map(remap).filter((a) => known.has(a.scan));
      const froc = computeFroc({ scans, annotations: included, excluded: excluded.map(remap), candidates });
      return {
        summary: {
          cpm: froc.cpm,
          detectedNodules: froc.detectedNodules,
          totalNodules: froc.totalNodules,
          falsePositives: froc.falsePositives,
          scans: scans.length,
        },
        table: { headers: ['FPs/scan', 'sensitivity'], rows: [...froc.fpRates.map((f, i) => [String(f), fmt(froc.sensitivities[i])]), ['CPM', fmt(froc.cpm)]] },
        details: { fpRates: froc.fpRates, sensitivities: froc.sensitivities, unmatchedAnnotations: annotations.length - included.length },
      };
    },
  };
}

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
    usage: [
      'LUNA16 FROC sensitivities at 1/8..8 FPs/scan and CPM. Folder of scans (files or DICOM',
      'series folders) + annotations.csv (seriesuid, coordX, coordY, coordZ, diameter_mm; world mm).',
      'seriesuid = the DICOM series UID, or the file name without extension',
    ],
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
