/**
 * Detection: LUNA16 FROC / CPM. Annotations CSV as LUNA16 writes it (seriesuid, coordX, coordY,
 * coordZ, diameter_mm; world mm). A scan's id is its DICOM series UID when it has one, else the
 * input's output stem (file name without extension), the same ids `medinfer run` writes to
 * candidates.csv; annotations may use either.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UsageError } from '../../../core/errors.js';
import { computeFroc, type FrocAnnotation, type FrocCandidate } from '../../../postprocess/metrics/froc.js';
import { parseCsv } from '../csv.js';
import { fmt, type Evaluator } from './eval-types.js';

export async function readAnnotations(path: string): Promise<FrocAnnotation[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`cannot read annotations ${path}`, { field: 'annotations', file: basename(path) });
  });
  const table = parseCsv(text, basename(path));
  const diameterColumn = ['diameter_mm', 'diameter', 'diameterMm'].find((c) => table.header.includes(c));
  const missing = ['seriesuid', 'coordX', 'coordY', 'coordZ'].filter((c) => !table.header.includes(c));
  if (missing.length || !diameterColumn) throw new UsageError(`${basename(path)}: LUNA16 annotations need seriesuid, coordX, coordY, coordZ, diameter_mm (missing: ${[...missing, ...(diameterColumn ? [] : ['diameter_mm'])].join(', ')})`, { field: 'annotations' });
  return table.rows.map((r) => ({ scan: r['seriesuid']!, x: Number(r['coordX']), y: Number(r['coordY']), z: Number(r['coordZ']), diameterMm: Number(r[diameterColumn]) }));
}

export function createDetectionEvaluator(annotations: readonly FrocAnnotation[], excluded: readonly FrocAnnotation[] = []): Evaluator {
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
      for (const d of r.result.detections) candidates.push({ scan, x: d.box.world.center[0], y: d.box.world.center[1], z: d.box.world.center[2], probability: d.score });
    },
    finish() {
      const known = new Set(scans);
      const remap = (a: FrocAnnotation): FrocAnnotation => (known.has(a.scan) ? a : { ...a, scan: alias.get(a.scan) ?? a.scan });
      const included = annotations.map(remap).filter((a) => known.has(a.scan));
      const froc = computeFroc({ scans, annotations: included, excluded: excluded.map(remap), candidates });
      return {
        summary: { cpm: froc.cpm, detectedNodules: froc.detectedNodules, totalNodules: froc.totalNodules, falsePositives: froc.falsePositives, scans: scans.length },
        table: { headers: ['FPs/scan', 'sensitivity'], rows: [...froc.fpRates.map((f, i) => [String(f), fmt(froc.sensitivities[i])]), ['CPM', fmt(froc.cpm)]] },
        details: { fpRates: froc.fpRates, sensitivities: froc.sensitivities, unmatchedAnnotations: annotations.length - included.length },
      };
    },
  };
}
