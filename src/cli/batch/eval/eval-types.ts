/** What a task's evaluator collects per case and reports at the end. */
import type { BatchItem } from '../types.js';
import type { ItemResult } from '../infer-item.js';

export interface EvalTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface EvalMetrics {
  /** Headline numbers (e.g. meanAuc, cpm, meanDice, treMeanMm, macroF1). */
  readonly summary: Readonly<Record<string, number | null>>;
  /** Per-label / per-operating-point rows for the text table. */
  readonly table: EvalTable;
  /** Everything else worth keeping in --json (per-label details, curves). */
  readonly details: unknown;
}

export interface Evaluator {
  /** Checks the data's columns before any inference (a wrong file is a usage error, exit 2). */
  readonly check?: (items: readonly BatchItem[]) => void;
  add(item: BatchItem, result: ItemResult): Promise<void>;
  finish(): EvalMetrics;
}

export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '-';
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits);
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The CSV column for `name`: exact, else case-insensitive with spaces/underscores/dashes alike. */
export function findColumn(columns: readonly string[], name: string): string | undefined {
  if (columns.includes(name)) return name;
  const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');
  return columns.find((c) => norm(c) === norm(name));
}
