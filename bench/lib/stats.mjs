/**
 * Small statistics and figure helpers shared by the bench scripts (plain ESM, no dependencies).
 * A "figure" is one row of a result file: { name, unit, median, baseline, baselineMedian, ratio },
 * the format every bench/<area>.mjs writes; extra fields (runs, RSS, per-voxel cost) are allowed.
 */
import { loadavg } from 'node:os';

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to `digits` significant-ish decimals for JSON (keeps small per-voxel costs readable). */
export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return null;
  const abs = Math.abs(x);
  const d = abs >= 100 ? 1 : abs >= 1 ? digits : Math.max(digits, 2 - Math.floor(Math.log10(abs || 1)) + digits);
  return Number(x.toFixed(Math.min(d, 12)));
}

/** One result row; `ratio` = median / baselineMedian (for times: < 1 means faster than the baseline). */
export function makeFigure(name, unit, value, baseline, baselineValue, extra = {}) {
  const ratio = Number.isFinite(value) && Number.isFinite(baselineValue) && baselineValue !== 0 ? value / baselineValue : NaN;
  return { name, unit, median: round(value), baseline, baselineMedian: round(baselineValue), ratio: round(ratio), ...extra };
}

/** What every result file says about the machine: the numbers are only comparable within a run. */
export function machineNote() {
  return {
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    note: 'shared, noisy 2-core machine: compare ratios (same run, same data), not absolute times',
  };
}
