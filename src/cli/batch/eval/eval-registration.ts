/** Registration: landmark TRE (mean over cases of the per-case mean, and before registration) and folding %. */
import { UsageError } from '../../../core/errors.js';
import { fmt, mean, type Evaluator } from './eval-types.js';

export function createRegistrationEvaluator(): Evaluator {
  const cases: { id: string; treMm: number | null; identityMm: number | null; foldingPercent: number; landmarks: number }[] = [];
  return {
    check(items) {
      if (!items.some((i) => i.source.kind === 'pair' && i.source.landmarks)) throw new UsageError('the pairs CSV needs fixed_landmarks and moving_landmarks columns (TRE needs landmarks)', { field: 'data' });
    },
    async add(item, r) {
      if (r.task !== 'registration') return;
      const tre = r.result.tre;
      cases.push({ id: item.id, treMm: tre?.meanMm ?? null, identityMm: tre?.identityMeanMm ?? null, foldingPercent: r.result.foldingPercent, landmarks: tre?.count ?? 0 });
    },
    finish() {
      const tre = mean(cases.flatMap((c) => (c.treMm === null ? [] : [c.treMm])));
      const identity = mean(cases.flatMap((c) => (c.identityMm === null ? [] : [c.identityMm])));
      const folding = mean(cases.map((c) => c.foldingPercent));
      const maxFolding = cases.length ? Math.max(...cases.map((c) => c.foldingPercent)) : null;
      return {
        summary: { treMeanMm: tre, treBeforeMm: identity, foldingPercentMean: folding, foldingPercentMax: maxFolding },
        table: {
          headers: ['case', 'TRE mm', 'before mm', 'folding %', 'landmarks'],
          rows: [...cases.map((c) => [c.id, fmt(c.treMm, 3), fmt(c.identityMm, 3), fmt(c.foldingPercent, 3), String(c.landmarks)]), ['mean', fmt(tre, 3), fmt(identity, 3), fmt(folding, 3), '']],
        },
        details: { cases },
      };
    },
  };
}
