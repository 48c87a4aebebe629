/** Formatting and CSV-column helpers of the task evaluators (src/cli/tasks/<task>.ts; the Evaluator contract is in src/cli/tasks/types.ts). */

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
