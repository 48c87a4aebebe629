/** `medinfer eval --model <id> --data <dir|csv>`: a model's metrics on a labelled set (table or --json). */
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { formatTable } from '../format-table.js';
import { parseProviderChoice } from '../../runtime/providers.js';
import { DEFAULT_CONCURRENCY } from '../batch/run-batch.js';
import { runEval, type EvalReport } from '../batch/eval/run-eval.js';
import { fmt } from '../batch/eval/eval-types.js';
import { cliTasks } from '../tasks/index.js';
import { parseMaxVoxels } from './inspect.js';
import { parseIntegerFlag } from './run.js';

const USAGE = `Usage:
  medinfer eval --model <id> --data <dir|csv> [--json] [options]

Runs the model over a labelled set and reports the task's metrics:
${cliTasks()
  .map((t) => `  ${t.name.padEnd(16)}${t.evaluation.usage.join(`\n${' '.repeat(18)}`)}`)
  .join('\n')}
A folder for --data holds the CSV (labels.csv, eval.csv, reports.csv, pairs.csv or its only CSV);
paths in a CSV are relative to the CSV.
Options:
  --model ID  --data PATH  --manifest FILE  --provider P  --concurrency N (default ${DEFAULT_CONCURRENCY})
  --models-dir DIR     the model store (default: $MEDINFER_MODELS, else the per-user data folder)
  --annotations FILE   detection: annotations CSV (default: <data>/annotations.csv)
  --excluded FILE      detection: annotations_excluded.csv
  --json               the full report as JSON on stdout
  --threads N  --max-voxels N  --quiet
Exit codes: 0 every case evaluated, 1 some cases failed (listed; metrics cover the others), 2 usage or setup error.`;

const OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  manifest: { type: 'string' },
  'models-dir': { type: 'string' },
  provider: { type: 'string' },
  concurrency: { type: 'string' },
  annotations: { type: 'string' },
  excluded: { type: 'string' },
  json: { type: 'boolean' },
  threads: { type: 'string' },
  'max-voxels': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

function describeReport(r: EvalReport): string {
  const head = `${r.model} (${r.task}) on ${r.data}: ${r.evaluated}/${r.cases} cases evaluated, provider ${r.provider}, ${(r.durationMs / 1000).toFixed(1)} s`;
  const summary = Object.entries(r.metrics.summary)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? String(v) : fmt(v)}`)
    .join(', ');
  const failed = r.failures.map((f) => `  failed ${f.input}: ${f.code}: ${f.message}`);
  return [head, '', formatTable(r.metrics.table.headers, r.metrics.table.rows), '', summary, ...failed].join('\n') + '\n';
}

export const command: CliCommand = {
  name: 'eval',
  summary: 'run a model over a labelled set and report its metrics (AUC, CPM, Dice, TRE, F1)',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'eval');
    const model = stringFlag(args, 'model');
    const data = stringFlag(args, 'data') ?? args.positionals[0];
    if (model === undefined || data === undefined) {
      ctx.err(`medinfer eval: --model and --data are required\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const provider = stringFlag(args, 'provider');
    const concurrency = parseIntegerFlag(stringFlag(args, 'concurrency'), 'concurrency', 1, 256);
    const threads = parseIntegerFlag(stringFlag(args, 'threads'), 'threads', 1, 1024);
    const maxVoxels = stringFlag(args, 'max-voxels');
    const optional = {
      manifest: stringFlag(args, 'manifest'),
      modelsDir: stringFlag(args, 'models-dir'),
      annotations: stringFlag(args, 'annotations'),
      excluded: stringFlag(args, 'excluded'),
    };
    const report = await runEval(
      {
        model,
        data,
        quiet: booleanFlag(args, 'quiet'),
        ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
        ...(provider !== undefined ? { provider: parseProviderChoice(provider) } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(threads !== undefined ? { threads } : {}),
        ...(maxVoxels !== undefined ? { maxVoxels: parseMaxVoxels(maxVoxels, 'eval') } : {}),
      },
      ctx,
    );
    ctx.out(booleanFlag(args, 'json') ? JSON.stringify(report, null, 2) + '\n' : describeReport(report));
    return report.failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
  },
};
