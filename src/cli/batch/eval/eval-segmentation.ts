/**
 * Segmentation: Dice and HD95 (mm, MONAI convention) per label, and per nested region for
 * region models (BraTS WT / TC), against reference masks on the input grid (CSV: the image
 * column(s) + a `reference` / `label` / `mask` column). Per label the
 * mean over cases; Dice skips cases where the label is absent from both masks (nnU-Net's
 * ignore-empty rule) and HD95 reports cases with one empty mask as infinite, counted apart.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError, UsageError } from '../../../core/errors.js';
import type { ModelEntry } from '../../../manifest/types.js';
import { computeDice } from '../../../postprocess/metrics/dice.js';
import { computeHausdorff95 } from '../../../postprocess/metrics/hausdorff.js';
import { loadImage } from '../load-item.js';
import { findColumn, fmt, mean, type Evaluator } from './eval-types.js';

const REFERENCE_COLUMNS = ['reference', 'label', 'labels', 'mask', 'seg', 'segmentation', 'ground_truth'];

export function foregroundLabels(entry: ModelEntry): { name: string; value: number }[] {
  return entry.labels
    .map((l, i) => (typeof l === 'string' ? { name: l, value: i } : { name: l.name, value: l.value ?? i }))
    .filter((l) => l.value > 0);
}

/**
 * Nested regions of models that paint overlapping region channels into labels (BraTS:
 * regionsToLabels paints WT, then TC, then ET): region k is the union of the labels painted from
 * step k on. Regions of one label are the per-label rows already; only unions are added.
 */
export function nestedRegions(entry: ModelEntry, labels: readonly { name: string; value: number }[]): { name: string; values: number[] }[] {
  const step = entry.postprocess.find((s) => s.op === 'regionsToLabels');
  const painted = Array.isArray(step?.['labels']) ? (step['labels'] as unknown[]).filter((v): v is number => typeof v === 'number') : [];
  const nameOf = (v: number) => labels.find((l) => l.value === v)?.name ?? `label ${v}`;
  return painted.map((_, k) => painted.slice(k)).filter((vs) => vs.length > 1).map((vs) => ({ name: vs.map(nameOf).join(' + '), values: vs }));
}

/** Per-label units plus nested regions, each a set of label values scored as one binary mask. */
function scoringUnits(entry: ModelEntry): { name: string; values: number[]; region: boolean }[] {
  const labels = foregroundLabels(entry);
  return [...labels.map((l) => ({ name: l.name, values: [l.value], region: false })), ...nestedRegions(entry, labels).map((r) => ({ ...r, region: true }))];
}

export function createSegmentationEvaluator(entry: ModelEntry, csvPath: string): Evaluator {
  const labels = scoringUnits(entry);
  const dice = new Map<string, number[]>(labels.map((l) => [l.name, []]));
  const hd = new Map<string, number[]>(labels.map((l) => [l.name, []]));
  const infinite = new Map<string, number>(labels.map((l) => [l.name, 0]));
  let cases = 0;
  const referenceOf = (columns: Readonly<Record<string, string>>) => {
    const col = REFERENCE_COLUMNS.map((c) => findColumn(Object.keys(columns), c)).find((c) => c !== undefined);
    return col === undefined ? undefined : columns[col];
  };
  return {
    check(items) {
      if (!referenceOf(items[0]?.columns ?? {})) throw new UsageError(`the pairs CSV needs a reference mask column (${REFERENCE_COLUMNS.join(' | ')})`, { field: 'data' });
    },
    async add(item, r) {
      if (r.task !== 'segmentation') return;
      const refText = referenceOf(item.columns ?? {});
      if (!refText) throw new InputError(`${item.label}: no reference mask given`, { input: item.id });
      const refPath = resolve(dirname(csvPath), refText);
      const reference = await loadImage({ path: refPath, dicomFolder: (await stat(refPath).catch(() => undefined))?.isDirectory() ?? false });
      const predicted = r.result.labels;
      if (reference.geometry.size.join() !== predicted.geometry.size.join()) {
        throw new InputError(`${item.label}: reference mask is ${reference.geometry.size.join('x')}, the image ${predicted.geometry.size.join('x')}`, { input: item.id });
      }
      cases++;
      for (const l of labels) {
        const binP = Uint8Array.from(predicted.data as ArrayLike<number>, (v) => (l.values.includes(v) ? 1 : 0));
        const binR = Uint8Array.from(reference.data as ArrayLike<number>, (v) => (l.values.includes(Math.round(v)) ? 1 : 0));
        const d = computeDice(binP, binR, { labels: [1] })[0]!;
        if (!d.bothEmpty) dice.get(l.name)!.push(d.dice);
        const h = computeHausdorff95(binP, binR, predicted.geometry);
        if (h.empty === 'both') continue;
        if (Number.isFinite(h.distance)) hd.get(l.name)!.push(h.distance);
        else infinite.set(l.name, infinite.get(l.name)! + 1);
      }
    },
    finish() {
      const perLabel = labels.map((l) => ({ label: l.name, values: l.values, region: l.region, dice: mean(dice.get(l.name)!), hd95Mm: mean(hd.get(l.name)!), diceCases: dice.get(l.name)!.length, hd95Infinite: infinite.get(l.name)! }));
      // Means over the labels only: regions overlap them and would count voxels twice.
      const meanDice = mean(perLabel.flatMap((l) => (l.dice === null || l.region ? [] : [l.dice])));
      const meanHd = mean(perLabel.flatMap((l) => (l.hd95Mm === null || l.region ? [] : [l.hd95Mm])));
      return {
        summary: { meanDice, meanHd95Mm: meanHd, cases },
        table: { headers: ['label', 'Dice', 'HD95 mm', 'cases', 'HD95 inf'], rows: [...perLabel.map((l) => [l.label, fmt(l.dice), fmt(l.hd95Mm, 2), String(l.diceCases), String(l.hd95Infinite)]), ['mean (labels)', fmt(meanDice), fmt(meanHd, 2), String(cases), '']] },
        details: { perLabel },
      };
    },
  };
}
