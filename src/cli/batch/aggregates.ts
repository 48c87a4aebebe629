/**
 * Run-wide tables rebuilt from results.jsonl at the end of every run (so they cover inputs done
 * in earlier, resumed runs too): `results.csv` with --format csv, and the task's own tables
 * (its CLI definition's `aggregate`: for detection the LUNA16 `candidates.csv`).
 */
import { join } from 'node:path';
import type { ModelEntry } from '../../manifest/types.js';
import { writeFileAtomic } from '../../core/node-atomic-write.js';
import { formatCsv } from './csv.js';
import { cliTask } from '../tasks/index.js';
import type { OutputFormat, ResultLine } from './types.js';

export { CANDIDATES_CSV } from '../tasks/detection.js';

export const RESULTS_CSV = 'results.csv';

export async function writeAggregates(outputDir: string, entry: ModelEntry, lines: readonly ResultLine[], format: OutputFormat): Promise<void> {
  if (format === 'csv') {
    const rows = lines.map((l) => ({ id: l.id, input: l.input, ...l.summary, outputs: l.outputs.join(';') }));
    await writeFileAtomic(join(outputDir, RESULTS_CSV), formatCsv(rows));
  }
  await cliTask(entry.task).aggregate?.(outputDir, lines);
}
