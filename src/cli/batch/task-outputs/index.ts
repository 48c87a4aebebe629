/** Dispatches an item's result to its task's output writer. */
import type { ItemResult } from '../infer-item.js';
import type { BatchItem } from '../types.js';
import { buildClassificationOutputs } from './classification.js';
import { buildDetectionOutputs } from './detection.js';
import { buildRegistrationOutputs } from './registration.js';
import { buildReportTextOutputs } from './report-text.js';
import { buildSegmentationOutputs } from './segmentation.js';
import type { TaskOutputs } from './output-files.js';

export type { OutputFile, TaskOutputs } from './output-files.js';

export async function buildOutputs(item: BatchItem, r: ItemResult): Promise<TaskOutputs> {
  switch (r.task) {
    case 'classification':
      return buildClassificationOutputs(item, r.result, r.input);
    case 'detection':
      return buildDetectionOutputs(item, r.result, r.input);
    case 'segmentation':
      return buildSegmentationOutputs(item, r.result, r.input);
    case 'registration':
      return buildRegistrationOutputs(item, r.result, r.input);
    case 'report-text':
      return buildReportTextOutputs(item, r.result);
  }
}
