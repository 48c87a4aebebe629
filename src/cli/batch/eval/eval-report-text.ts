/**
 * Report text: macro-F1 over (observation, status) pairs present in the truth, statuses coded
 * as in CheXpert label files (1 positive, 0 negative, -1 uncertain, blank not mentioned; blank
 * pairs are not averaged) - the definition the bundled model's manifest metric uses.
 */
import { UsageError } from '../../../core/errors.js';
import { labelNames } from '../../../manifest/load.js';
import type { ModelEntry } from '../../../manifest/types.js';
import { computeMentionF1, type MentionCode } from '../../../postprocess/metrics/mention-f1.js';
import { findColumn, fmt, type Evaluator } from './eval-types.js';

const CODE: Record<string, MentionCode> = { positive: 1, negative: 0, uncertain: -1 };
const STATUS_NAMES: Record<number, string> = { 1: 'positive', 0: 'negative', [-1]: 'uncertain' };

function parseCode(raw: string | undefined): MentionCode {
  const t = (raw ?? '').trim();
  if (t === '') return null;
  const v = Number(t);
  return v === 1 || v === 0 || v === -1 ? v : null;
}

export function createReportTextEvaluator(entry: ModelEntry): Evaluator {
  const names = labelNames(entry).filter(Boolean);
  const truth: MentionCode[][] = [];
  const predicted: MentionCode[][] = [];
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
      const { pairs, macroF1 } = computeMentionF1(truth, predicted, names.length);
      const rows = pairs.map((p) => ({ observation: names[p.observation]!, status: STATUS_NAMES[p.code]!, f1: p.f1, support: p.support }));
      return {
        summary: { macroF1, reports: truth.length },
        table: { headers: ['observation', 'status', 'F1', 'support'], rows: [...rows.map((r) => [r.observation, r.status, fmt(r.f1), String(r.support)]), ['macro-F1', '', fmt(macroF1), '']] },
        details: { perPair: rows },
      };
    },
  };
}
