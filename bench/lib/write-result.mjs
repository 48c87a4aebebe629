/** Writes an area's result file where bench/run.mjs asks ($MEDINFER_BENCH_RESULTS_DIR) or bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function writeAreaResult(area, result) {
  const dir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${area}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}
