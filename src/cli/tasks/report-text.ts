/** Report labelling on the CLI: a text per item (.txt file or CSV `report` cell), mention labels, macro-F1 eval. */
import { InputError } from '../../core/errors.js';
import { textItems } from '../batch/collect-items.js';
import { createReportTextEvaluator } from '../batch/eval/eval-report-text.js';
import { loadText } from '../batch/load-item.js';
import { buildReportTextOutputs } from '../batch/task-outputs/report-text.js';
import { demoReportText } from '../demo/sections-2d.js';
import type { CliTask } from './types.js';

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
  evaluation: { cases: 'csv', evaluator: async (entry) => createReportTextEvaluator(entry) },
  demo: [{ name: 'report-text', run: demoReportText }],
  // Text input: there is no image series to select on a DICOMweb server.
  dicomweb: null,
};
