/**
 * Report text: macro-F1 over (observation, status) pairs present in the truth, statuses coded
 * as in CheXpert label files (1 positive, 0 negative, -1 uncertain, blank not mentioned; blank
 * pairs are not averaged) - the definition the bundled model's manifest metric uses.
 */
import { UsageError } from '../../../core/errors.js';
import { labelNames } from '../../../manifest/load.js';
import type { ModelEntry } from '../../../manifest/types.js';
import { findColumn, fmt, mean, type Evaluator } from './eval-types.js';

const CODE: Record<string, number> = { positive: 1, negative: 0, uncertain: -1 };
const STATUS_NAMES: Record<number, string> = { 1: 'positive', 0: 'negative', [-1]: 'uncertain' };

function parseCode(raw: string | undefined): number | null {
  const t = (raw ?? '').trim();
  if (t === '') return null;
  const v = Number(t);
  return v === 1 || v === 0 || v === -1 ? v : null;
}

export function createReportTextEvaluator(entry: ModelEntry): Evaluator {
  const names = labelNames(entry).filter(Boolean);
  const truth: (number | null)[][] = [];
  const predicted: (number | null)[][] = [];
  return {
    check(items) {
      const columns = Object.keys(items[0]?.columns ?? {});
      if (!names.some((n) => findColumn(columns, n))) throw new UsageError(`the reports CSV needs a 'report' column and one column per observation with 1/0/-1/blank (observations: ${names.join(', ')})`, { field: 'data' });
    },
    async add(item, r) {
      if (r.task !== 'report-text') return;
      const columns = item.columns ?? {};
      truth.push(names.map((n) => parseCode(columns[findColumn(Object.keys(columns), n) ?? ''])));
      predicted.push(names.map((n) => CODE[r.result.observations.find((o) => o.name === n)?.status ?? ''] ?? null));
    },
    finish() {
      const rows: { observation: string; status: string; f1: number; support: number }[] = [];
      names.forEach((name, o) => {
        for (const c of [1, 0, -1]) {
          let tp = 0;
          let fp = 0;
          let fn = 0;
          truth.forEach((t, r) => {
            const isT = t[o] === c;
            const isP = predicted[r]![o] === c;
            if (isT && isP) tp++;
            else if (isP) fp++;
            else if (isT) fn++;
          });
          if (tp + fn > 0) rows.push({ observation: name, status: STATUS_NAMES[c]!, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), support: tp + fn });
        }
      });
      const macroF1 = mean(rows.map((r) => r.f1));
      return {
        summary: { macroF1, reports: truth.length },
        table: { headers: ['observation', 'status', 'F1', 'support'], rows: [...rows.map((r) => [r.observation, r.status, fmt(r.f1), String(r.support)]), ['macro-F1', '', fmt(macroF1), '']] },
        details: { perPair: rows },
      };
    },
  };
}
