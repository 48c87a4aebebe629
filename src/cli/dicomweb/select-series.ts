/**
 * Which series of a study feed which model input, from the manifest's declarative
 * `dicomweb.series` rules (modality, SeriesDescription contains / does not contain, minimum
 * instance count) or, for single-input models without a rule, the entry's `modality`.
 * Never a guess: each input needs exactly one matching series; none or several is an InputError
 * that says which input and how many matched (series are named by number and modality only -
 * descriptions can carry free text typed at the scanner, so they stay out of messages).
 */
import { InputError, ManifestError, UsageError } from '../../core/errors.js';
import type { SeriesResult } from '../../io/dicomweb/dicom-json.js';
import type { DicomWebSeriesRule, ModelEntry } from '../../manifest/types.js';

/** Modalities of derived / non-image objects: never a model input unless a rule names them. */
const NON_IMAGE = new Set(['SEG', 'SR', 'KO', 'PR', 'RTSTRUCT', 'RTPLAN', 'REG', 'DOC', 'OT-SR']);

export interface SelectedSeries {
  /** Model input name (multi-input models), else undefined. */
  readonly input: string | undefined;
  readonly series: SeriesResult;
}

function describeRule(rule: DicomWebSeriesRule, modality: readonly string[] | undefined): string {
  const parts: string[] = [];
  if (modality) parts.push(`modality ${modality.join('/')}`);
  if (rule.descriptionIncludes?.length) parts.push(`description containing ${rule.descriptionIncludes.map((s) => `'${s}'`).join(' or ')}`);
  if (rule.descriptionExcludes?.length) parts.push(`not ${rule.descriptionExcludes.map((s) => `'${s}'`).join(' / ')}`);
  if (rule.minInstances !== undefined) parts.push(`>= ${rule.minInstances} instances`);
  return parts.join(', ') || 'any image series';
}

export function seriesMatches(series: SeriesResult, rule: DicomWebSeriesRule, modality: readonly string[] | undefined): boolean {
  const m = (series.modality ?? '').toUpperCase();
  if (modality ? !modality.some((x) => x.toUpperCase() === m) : NON_IMAGE.has(m)) return false;
  const text = (series.seriesDescription ?? '').toLowerCase();
  if (rule.descriptionIncludes?.length && !rule.descriptionIncludes.some((s) => text.includes(s.toLowerCase()))) return false;
  if (rule.descriptionExcludes?.some((s) => text.includes(s.toLowerCase()))) return false;
  if (rule.minInstances !== undefined && (series.numberOfInstances ?? 0) < rule.minInstances) return false;
  return true;
}

function label(series: SeriesResult): string {
  return `series ${series.seriesNumber ?? '?'} (${series.modality ?? 'no modality'}, ${series.seriesInstanceUid})`;
}

function pickOne(
  candidates: readonly SeriesResult[],
  rule: DicomWebSeriesRule,
  modality: readonly string[] | undefined,
  what: string,
  entry: ModelEntry,
  remedy: string,
): SeriesResult {
  const hits = candidates.filter((s) => seriesMatches(s, rule, modality));
  if (hits.length === 1) return hits[0]!;
  const criteria = describeRule(rule, modality);
  if (hits.length === 0) {
    throw new InputError(`no series of the study matches ${what} of model '${entry.id}' (${criteria}); the study has ${candidates.length} series`, {
      cause: 'no-matching-series',
      input: what,
      seriesCount: candidates.length,
    });
  }
  throw new InputError(`${hits.length} series match ${what} of model '${entry.id}' (${criteria}): ${hits.map(label).join('; ')}; ${remedy}`, {
    cause: 'ambiguous-series',
    input: what,
    matches: hits.length,
  });
}

export function selectInputSeries(entry: ModelEntry, candidates: readonly SeriesResult[], explicit?: string): SelectedSeries[] {
  const inputs = entry.inputs?.map((i) => i.name) ?? [];
  const rules = entry.dicomweb?.series ?? [];
  if (inputs.length > 1) {
    if (explicit !== undefined)
      throw new UsageError(
        `model '${entry.id}' takes ${inputs.length} series (${inputs.join(', ')}); they are chosen by the manifest's dicomweb.series rules, so ` +
          `--series does not apply`,
        { field: 'series' },
      );
    const missing = inputs.find((name) => !rules.some((r) => r.input === name));
    if (missing !== undefined)
      throw new ManifestError(`model '${entry.id}' has inputs ${inputs.join(', ')} but no dicomweb.series rule for input '${missing}'`, {
        modelId: entry.id,
        input: missing,
      });
    const chosen = inputs.map((name) => {
      const rule = rules.find((r) => r.input === name)!;
      const modality = rule.modality ?? entry.inputs?.find((i) => i.name === name)?.modality?.split('/') ?? entry.modality;
      return { input: name, series: pickOne(candidates, rule, modality, `input '${name}'`, entry, "refine the manifest's dicomweb.series rules") };
    });
    const seen = new Map<string, string>();
    for (const c of chosen) {
      const other = seen.get(c.series.seriesInstanceUid);
      if (other !== undefined)
        throw new InputError(
          `inputs '${other}' and '${c.input}' of model '${entry.id}' both match ${label(c.series)}; refine the manifest's dicomweb.series rules`,
          { cause: 'ambiguous-series' },
        );
      seen.set(c.series.seriesInstanceUid, c.input);
    }
    return chosen;
  }
  const rule = rules[0] ?? {};
  const modality = rule.modality ?? entry.modality;
  const input = inputs[0];
  if (explicit !== undefined) {
    const series = candidates.find((s) => s.seriesInstanceUid === explicit);
    if (!series) throw new InputError(`series ${explicit} is not in the study (QIDO-RS found ${candidates.length} series)`, { cause: 'series-not-found' });
    if (modality && !modality.some((m) => m.toUpperCase() === (series.modality ?? '').toUpperCase())) {
      throw new InputError(`${label(series)} is not a modality model '${entry.id}' accepts (${modality.join(', ')})`, {
        cause: 'modality',
        modality: series.modality ?? null,
      });
    }
    return [{ input, series }];
  }
  return [{ input, series: pickOne(candidates, rule, modality, 'the input', entry, 'choose one with --series') }];
}
