/** Report-text outputs: `<id>.json` with each observation's status and scores; the flat row has one status column per observation. */
import type { ReportTextResult } from '../../../pipelines/report-text.js';
import type { BatchItem } from '../types.js';
import { toJson, type TaskOutputs } from './output-files.js';

export function buildReportTextOutputs(item: BatchItem, result: ReportTextResult): TaskOutputs {
  const summary: Record<string, string | number | boolean> = { tokens: result.tokens, truncated: result.truncated };
  for (const o of result.observations) summary[o.name] = o.status;
  const warnings = result.truncated ? [`report has ${result.tokens} tokens; the model reads only its first tokenizer.maxLength tokens, the rest was ignored`] : [];
  return {
    files: [{ name: `${item.id}.json`, bytes: toJson({ id: item.id, input: item.label, observations: result.observations, tokens: result.tokens, truncated: result.truncated, provenance: result.provenance }) }],
    summary,
    warnings,
    provenance: result.provenance,
  };
}
