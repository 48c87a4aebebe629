/**
 * `medinfer run --model <id> --input <file|dir|glob|list.csv>... --output <dir>`: scripted batch
 * inference (see src/cli/batch/run-batch.ts for the guarantees: per-input error isolation,
 * atomic outputs, resumable results.jsonl).
 */
import { loadManifestWithModelsDir } from '../dicomweb/load-manifest.js';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag, stringListFlag } from '../args.js';
import { UsageError } from '../../core/errors.js';
import { parseProviderChoice } from '../../runtime/providers.js';
import { DEFAULT_CONCURRENCY, runBatch } from '../batch/run-batch.js';
import type { OutputFormat } from '../batch/types.js';
import { parseMaxVoxels } from './inspect.js';

const USAGE = `Usage:
  medinfer run --model <id> --input <file|dir|glob|list.csv>... --output <dir> [options]

Runs a model over many inputs. Inputs are grouped as the model needs them:
  - images: files (NIfTI, DICOM, PNG, JPEG), folders (walked recursively), globs ('scans/*.nii.gz'),
    or a CSV list (column path, optional id); for 3D models a folder of DICOM files is one series;
  - multi-modal models: a CSV with one column per model input (e.g. id,t1,t1ce,t2,flair) or files
    named <case>_<input> (case01_t1.nii.gz, case01_flair.nii.gz -> case01);
  - registration: a CSV id,fixed,moving[,moving_labels,fixed_landmarks,moving_landmarks,landmark_format]
    (landmark_format dirlab | csv-mm) or files named <case>_fixed / <case>_moving;
  - report text: .txt files (one report each) or a CSV with a 'report' column (optional id).
Options:
  --model ID          model id in the manifest (see \`medinfer models\`)
  --input PATH        repeatable
  --output DIR        created if missing; holds per-input outputs, results.jsonl, errors.jsonl
  --manifest FILE     models manifest (default: the bundled one)
  --models-dir DIR    the model store, merged with the manifest (default: $MEDINFER_MODELS, else the
                      per-user data folder); with --manifest also where its relative paths resolve
  --provider P        auto | cpu | cuda | webgpu, or a list like cuda,cpu (default auto)
  --concurrency N     inputs in flight at once, sharing one session (default ${DEFAULT_CONCURRENCY})
  --format F          json (default) | csv (also writes a flat results.csv)
  --explain           classification: occlusion-sensitivity overlays (slow: many model runs)
  --overwrite         redo inputs whose outputs already exist (default: skip them)
  --threads N         intra-op threads per session (default: ONNX Runtime's)
  --max-voxels N      refuse inputs larger than N voxels (default 2^28)
  --volume N          multi-volume inputs (4D DICOM: fMRI, diffusion, cine): the volume to use,
                      0-based; without it such inputs fail with the list of volumes
  --quiet             no progress or summary on stderr
  --json              print the run summary as JSON on stdout (counts, time, failures, paths)
Outputs are written atomically; an interrupted run is resumed by running the same command again
(Ctrl-C once: inputs in flight are finished, no new ones started).
Exit codes: 0 all inputs ok, 1 some inputs failed (errors.jsonl), 2 usage or setup error (also
when the output location fails mid-run - disk full, read-only, no permission: the run stops,
prints its summary with 'stopped' = the typed E_IO_* error, and the same command resumes it),
130 interrupted before all inputs were started.`;

/** Conventional status of a run stopped by SIGINT (128 + 2); a re-run resumes it. */
const EXIT_INTERRUPTED = 130;

const OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string', multiple: true },
  output: { type: 'string' },
  manifest: { type: 'string' },
  'models-dir': { type: 'string' },
  provider: { type: 'string' },
  concurrency: { type: 'string' },
  format: { type: 'string' },
  explain: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  threads: { type: 'string' },
  'max-voxels': { type: 'string' },
  volume: { type: 'string' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export function parseIntegerFlag(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max)
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${text}'`, { field: flag, received: text });
  return n;
}

export function parseFormat(text: string | undefined): OutputFormat {
  if (text === undefined || text === 'json' || text === 'csv') return text ?? 'json';
  throw new UsageError(`--format must be json or csv, got '${text}'`, { field: 'format', received: text });
}

export const command: CliCommand = {
  name: 'run',
  summary: 'batch inference over files, folders, globs or CSV lists (resumable)',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'run');
    const model = stringFlag(args, 'model');
    const output = stringFlag(args, 'output');
    const inputs = [...stringListFlag(args, 'input'), ...args.positionals];
    if (model === undefined || output === undefined || inputs.length === 0) {
      ctx.err(`medinfer run: --model, --input and --output are required\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const provider = stringFlag(args, 'provider');
    const concurrency = parseIntegerFlag(stringFlag(args, 'concurrency'), 'concurrency', 1, 256);
    const threads = parseIntegerFlag(stringFlag(args, 'threads'), 'threads', 1, 1024);
    const maxVoxelsText = stringFlag(args, 'max-voxels');
    const volume = parseIntegerFlag(stringFlag(args, 'volume'), 'volume', 0, 2 ** 31);
    const manifestPath = stringFlag(args, 'manifest');
    const modelsDir = stringFlag(args, 'models-dir');
    // --models-dir: the model store (merged with the manifest; with --manifest also where its relative paths resolve).
    const manifest = modelsDir === undefined ? manifestPath : await loadManifestWithModelsDir(manifestPath, modelsDir, ctx.cwd);
    // First Ctrl-C: finish the inputs in flight (their outputs stay complete), start no more.
    // Second Ctrl-C: stop at once (atomic writes still leave no partial file).
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(130);
      ctx.err('\nmedinfer run: interrupted; finishing inputs in flight (Ctrl-C again to stop now)\n');
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    const summary = await runBatch(
      {
        model,
        inputs,
        output,
        format: parseFormat(stringFlag(args, 'format')),
        overwrite: booleanFlag(args, 'overwrite'),
        quiet: booleanFlag(args, 'quiet'),
        explain: booleanFlag(args, 'explain'),
        ...(manifest !== undefined ? { manifest } : {}),
        ...(provider !== undefined ? { provider: parseProviderChoice(provider) } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(threads !== undefined ? { threads } : {}),
        ...(maxVoxelsText !== undefined ? { maxVoxels: parseMaxVoxels(maxVoxelsText, 'run') } : {}),
        ...(volume !== undefined ? { volume } : {}),
        signal: stop.signal,
      },
      ctx,
    ).finally(() => process.off('SIGINT', onSigint));
    if (booleanFlag(args, 'json')) ctx.out(JSON.stringify(summary, null, 2) + '\n');
    // The output location failed (disk full, read-only ...): a setup error, with the summary above.
    if (summary.stopped) return EXIT_USAGE;
    if (summary.notStarted > 0) return EXIT_INTERRUPTED;
    return summary.failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
  },
};
