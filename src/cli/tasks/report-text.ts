/**
 * Report labelling on the CLI: a text per item (.txt file or CSV `report` cell), mention labels, macro-F1 eval.
 *
 * Outputs: `<id>.json` with each observation's status and scores; the flat row has one status column per observation.
 *
 * Evaluation: macro-F1 over (observation, status) pairs present in the truth, statuses coded
 * as in CheXpert label files (1 positive, 0 negative, -1 uncertain, blank not mentioned; blank
 * pairs are not averaged) - the definition the bundled model's manifest metric uses.
 */
import { InputError, UsageError } from '../../core/errors.js';
import { labelNames } from '../../manifest/load.js';
import type { ModelEntry } from '../../manifest/types.js';
import type { ReportTextResult } from '../../pipelines/report-text.js';
import { computeMentionF1, type MentionCode } from '../../postprocess/metrics/mention-f1.js';
import { textItems } from '../batch/collect-items.js';
import { findColumn, fmt } from '../batch/eval/eval-types.js';
import { loadText } from '../batch/load-item.js';
import { type TaskOutputs, toJson } from '../batch/task-outputs/output-files.js';
import type { BatchItem } from '../batch/types.js';
import { demoReportText } from '../demo/sections-2d.js';
import type { CliTask, Evaluator } from './types.js';

function buildReportTextOutputs(item: BatchItem, result: ReportTextResult): TaskOutputs {
  const summary: Record<string, string | number | boolean> = { tokens: result.tokens, truncated: result.truncated };
  for (const o of result.observations) summary[o.name] = o.status;
  const warnings = result.truncated
    ? [`report has ${result.tokens} tokens; the model reads only its first tokenizer.maxLength tokens, the rest was ignored`]
    : [];
  return {
    files: [
      {
        name: `${item.id}.json`,
        bytes: toJson({
          id: item.id,
          input: item.label,
          observations: result.observations,
          tokens: result.tokens,
          truncated: result.truncated,
          provenance: result.provenance,
        }),
      },
    ],
    summary,
    warnings,
    provenance: result.provenance,
  };
}

const CODE: Record<string, MentionCode> = { positive: 1, negative: 0, uncertain: -1 };
const STATUS_NAMES: Record<number, string> = { 1: 'positive', 0: 'negative', [-1]: 'uncertain' };

function parseCode(raw: string | undefined): MentionCode {
  const t = (raw ?? '').trim();
  if (t === '') return null;
  const v = Number(t);
  return v === 1 || v === 0 || v === -1 ? v : null;
}

function createReportTextEvaluator(entry: ModelEntry): Evaluator {
  const names = labelNames(entry).filter(Boolean);
  const truth: MentionCode[][] = [];
  const predicted: MentionCode[][] = [];
  return {
    check(items) {
      const columns = Object.keys(items[0]?.columns ?? {});
      if (!names.some((n) => findColumn(columns, n)))
        throw new UsageError(`the reports CSV needs a 'report' column and one column per observation with 1/0/-1/blank (observations: ${names.join(', ')})`, {
          field: 'data',
        });
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
        table: {
          headers: ['observation', 'status', 'F1', 'support'],
          rows: [...rows.map((r) => [r.observation, r.status, fmt(r.f1), String(r.support)]), ['macro-F1', '', fmt(macroF1), '']],
        },
        details: { perPair: rows },
      };
    },
  };
}

export const reportTextCli: CliTask<'report-text'> = {
  name: 'report-text',
  volumetric: false,
  collector: () => textItems,
  async infer(pipe, item) {
    const src = item.source;
    const text = src.kind === 'text' ? src.text : src.kind === 'text-file' ? await loadText(src.path) : undefined;
    if (text === undefined) throw new InputError(`${item.label}: report-text models take .txt files or a CSV 'report' column`, { input: item.id });
    return { task: 'report-text', result: await pipe.run(text) };
  },
  outputs: async (item, r) => buildReportTextOutputs(item, r.result),
  evaluation: {
    cases: 'csv',
    usage: ['macro-F1 over (observation, status). CSV: report + one column per observation (1/0/-1/blank)'],
    evaluator: async (entry) => createReportTextEvaluator(entry),
  },
  demo: [{ name: 'report-text', run: demoReportText }],
  // Text input: there is no image series to select on a DICOMweb server.
  dicomweb: null,
};
