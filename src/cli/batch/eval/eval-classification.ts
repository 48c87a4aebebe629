/** Classification: ROC AUC per label (CSV: image path + one 0/1 column per label) and their mean. */
import { UsageError } from '../../../core/errors.js';
import { labelNames } from '../../../manifest/load.js';
import type { ModelEntry } from '../../../manifest/types.js';
import { computeRocAuc } from '../../../postprocess/metrics/roc-auc.js';
import { findColumn, fmt, mean, type Evaluator } from './eval-types.js';

export function createClassificationEvaluator(entry: ModelEntry): Evaluator {
  const names = labelNames(entry).filter(Boolean);
  const truth = new Map<string, number[]>();
  const scores = new Map<string, number[]>();
  return {
    check(items) {
      const columns = Object.keys(items[0]?.columns ?? {});
      if (!names.some((n) => findColumn(columns, n))) throw new UsageError(`the labels CSV needs one 0/1 column per label (model labels: ${names.join(', ')}; found: ${columns.join(', ')})`, { field: 'data' });
    },
    async add(item, r) {
      if (r.task !== 'classification') return;
      const columns = item.columns ?? {};
      for (const label of r.result.labels) {
        const col = findColumn(Object.keys(columns), label.name);
        const raw = col === undefined ? '' : columns[col]!.trim();
        // Blank cells (unlabelled) and CheXpert-style -1 (uncertain) are left out of that label's AUC.
        if (raw !== '0' && raw !== '1' && raw !== '1.0' && raw !== '0.0') continue;
        truth.set(label.name, [...(truth.get(label.name) ?? []), Number(raw)]);
        scores.set(label.name, [...(scores.get(label.name) ?? []), label.score]);
      }
    },
    finish() {
      const perLabel = names.map((name) => {
        const y = truth.get(name) ?? [];
        const s = scores.get(name) ?? [];
        const positives = y.filter((v) => v === 1).length;
        const auc = positives > 0 && positives < y.length ? computeRocAuc(y, Float64Array.from(s)) : null;
        return { label: name, auc, cases: y.length, positives, ...(auc === null ? { note: y.length === 0 ? 'no labelled cases' : 'needs both classes' } : {}) };
      });
      const meanAuc = mean(perLabel.flatMap((l) => (l.auc === null ? [] : [l.auc])));
      return {
        summary: { meanAuc },
        table: { headers: ['label', 'AUC', 'cases', 'positives'], rows: [...perLabel.map((l) => [l.label, fmt(l.auc), String(l.cases), String(l.positives)]), ['mean', fmt(meanAuc), '', '']] },
        details: { perLabel },
      };
    },
  };
}
