/** The batch runner's public surface for other commands (e.g. `medinfer demo`). */
export { runBatch, describeSummary, DEFAULT_CONCURRENCY } from './run-batch.js';
export { runEval, type EvalOptions, type EvalReport } from './eval/run-eval.js';
export { groupInputs, type GroupedInputs } from './group-inputs.js';
export { RESULTS_FILE, ERRORS_FILE, readResults } from './results-log.js';
export { CANDIDATES_CSV, RESULTS_CSV } from './aggregates.js';
export type { BatchFailure, BatchItem, BatchOptions, BatchSummary, ItemSource, OutputFormat, ResultLine } from './types.js';
