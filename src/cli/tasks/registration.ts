/**
 * Registration on the CLI: a fixed / moving pair per item, warped image + field + Jacobian, TRE eval.
 *
 * Outputs: the warped moving image and the displacement field (LPS mm, 3
 * components, NIfTI vector intent) on the fixed grid, warped labels when given, and
 * `<id>.json` with folding %, Jacobian range and landmark TRE.
 *
 * Evaluation: landmark TRE (mean over cases of the per-case mean, and before registration) and folding %.
 */
import { InputError, UsageError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { parseLandmarks } from '../../pipelines/landmarks.js';
import type { RegistrationResult } from '../../pipelines/registration.js';
import { pairItems } from '../batch/collect-items.js';
import { fmt, mean } from '../batch/eval/eval-types.js';
import { loadImage, loadText } from '../batch/load-item.js';
import { niftiGz, type OutputFile, rounded, type TaskOutputs, toJson } from '../batch/task-outputs/output-files.js';
import type { BatchItem } from '../batch/types.js';
import { demoRegistration } from '../demo/sections-3d.js';
import type { CliTask, Evaluator } from './types.js';

function range(data: ArrayLike<number>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / Math.max(1, data.length) };
}

async function buildRegistrationOutputs(item: BatchItem, result: RegistrationResult, fixed: Volume): Promise<TaskOutputs> {
  const volumes: [string, Volume][] = [
    [`${item.id}.warped.nii.gz`, result.warped],
    [`${item.id}.displacement.nii.gz`, result.displacement],
  ];
  if (result.warpedLabels) volumes.push([`${item.id}.warped-labels.nii.gz`, result.warpedLabels]);
  // Compressed side by side on the thread pool.
  const files: OutputFile[] = await Promise.all(volumes.map(async ([name, v]) => ({ name, bytes: await niftiGz(v) })));
  const jac = range(result.jacobian.data);
  const tre = result.tre
    ? {
        meanMm: result.tre.meanMm,
        stdMm: result.tre.stdMm,
        maxMm: result.tre.maxMm,
        identityMeanMm: result.tre.identityMeanMm,
        count: result.tre.count,
        perPointMm: result.tre.perPointMm,
      }
    : undefined;
  const warnings = [...(fixed.meta.warnings ?? []), ...result.warnings];
  files.push({
    name: `${item.id}.json`,
    bytes: toJson({
      id: item.id,
      input: item.label,
      foldingPercent: result.foldingPercent,
      jacobian: jac,
      ...(tre ? { tre } : {}),
      warnings,
      provenance: result.provenance,
    }),
  });
  return {
    files,
    summary: {
      folding_percent: rounded(result.foldingPercent),
      jacobian_min: rounded(jac.min),
      jacobian_max: rounded(jac.max),
      tre_mean_mm: tre ? rounded(tre.meanMm) : null,
      tre_std_mm: tre ? rounded(tre.stdMm) : null,
      tre_identity_mean_mm: tre ? rounded(tre.identityMeanMm) : null,
    },
    warnings,
    provenance: result.provenance,
  };
}

function createRegistrationEvaluator(): Evaluator {
  const cases: { id: string; treMm: number | null; identityMm: number | null; foldingPercent: number; landmarks: number }[] = [];
  return {
    check(items) {
      if (!items.some((i) => i.source.kind === 'pair' && i.source.landmarks))
        throw new UsageError('the pairs CSV needs fixed_landmarks and moving_landmarks columns (TRE needs landmarks)', { field: 'data' });
    },
    async add(item, r) {
      if (r.task !== 'registration') return;
      const tre = r.result.tre;
      cases.push({
        id: item.id,
        treMm: tre?.meanMm ?? null,
        identityMm: tre?.identityMeanMm ?? null,
        foldingPercent: r.result.foldingPercent,
        landmarks: tre?.count ?? 0,
      });
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
          rows: [
            ...cases.map((c) => [c.id, fmt(c.treMm, 3), fmt(c.identityMm, 3), fmt(c.foldingPercent, 3), String(c.landmarks)]),
            ['mean', fmt(tre, 3), fmt(identity, 3), fmt(folding, 3), ''],
          ],
        },
        details: { cases },
      };
    },
  };
}

export const registrationCli: CliTask<'registration'> = {
  name: 'registration',
  volumetric: true,
  collector: () => pairItems,
  async infer(pipe, item, options) {
    const src = item.source;
    if (src.kind !== 'pair') throw new InputError(`${item.label}: registration needs a fixed and a moving image`, { input: item.id });
    const fixed = await loadImage(src.fixed, options);
    const moving = await loadImage(src.moving, options);
    const movingLabels = src.movingLabels ? await loadImage(src.movingLabels, options) : undefined;
    const landmarks = src.landmarks
      ? {
          fixed: parseLandmarks(await loadText(src.landmarks.fixed), src.landmarks.format, fixed.geometry, 'fixed landmarks'),
          moving: parseLandmarks(await loadText(src.landmarks.moving), src.landmarks.format, moving.geometry, 'moving landmarks'),
        }
      : undefined;
    const result = await pipe.run({ fixed, moving, ...(movingLabels ? { movingLabels } : {}), ...(landmarks ? { landmarks } : {}) });
    return { task: 'registration', input: fixed, result };
  },
  outputs: (item, r) => buildRegistrationOutputs(item, r.result, r.input),
  evaluation: {
    cases: 'csv',
    usage: ["landmark TRE (mm) before / after, folding %. CSV like `medinfer run`'s, with landmarks"],
    evaluator: async () => createRegistrationEvaluator(),
  },
  demo: [{ name: 'registration', run: demoRegistration }],
  // A deformation field has no DICOM result object here (no Deformable Spatial Registration writer).
  dicomweb: null,
};
