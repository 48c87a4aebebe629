/**
 * Run-wide tables rebuilt from results.jsonl at the end of every run (so they cover inputs done
 * in earlier, resumed runs too): `results.csv` with --format csv, and for detection models the
 * LUNA16 `candidates.csv` (seriesuid, coordX, coordY, coordZ, probability; world mm).
 */
import { join } from 'node:path';
import type { ModelEntry } from '../../manifest/types.js';
import { writeFileAtomic } from '../../core/node-atomic-write.js';
import { formatCsv } from './csv.js';
import type { OutputFormat, ResultLine } from './types.js';

export const RESULTS_CSV = 'results.csv';
export const CANDIDATES_CSV = 'candidates.csv';

export async function writeAggregates(outputDir: string, entry: ModelEntry, lines: readonly ResultLine[], format: OutputFormat): Promise<void> {
  if (format === 'csv') {
    const rows = lines.map((l) => ({ id: l.id, input: l.input, ...l.summary, outputs: l.outputs.join(';') }));
    await writeFileAtomic(join(outputDir, RESULTS_CSV), formatCsv(rows));
  }
  if (entry.task === 'detection') {
    const rows = lines.flatMap((l) => l.candidates ?? []);
    await writeFileAtomic(join(outputDir, CANDIDATES_CSV), formatCsv(rows, ['seriesuid', 'coordX', 'coordY', 'coordZ', 'probability']));
  }
}
