/**
 * `medinfer dicomweb run --url URL --study STUDY_UID --model MODEL_ID [--series SERIES_UID]`:
 * one model on one study of a DICOMweb server (PACS), results stored back into the study as DICOM
 * SEG / Comprehensive 3D SR (src/cli/dicomweb/run-flow.ts). `medinfer dicomweb submit` queues the
 * same flow for `medinfer worker`s (credentials then come from each worker's environment; they are
 * never put into the queue).
 */
import { resolve } from 'node:path';
import { EXIT_OK, EXIT_SOME_FAILED, type CliCommand, type CliContext } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag, type ParsedArgs } from '../args.js';
import { isMedinferError, UsageError } from '../../core/errors.js';
import { parseProviderChoice } from '../../runtime/providers.js';
import { openTimedPipeline, type SessionTiming } from '../dicomweb/open-pipeline.js';
import { loadManifestWithModelsDir } from '../dicomweb/load-manifest.js';
import { resolveDicomWebAuth } from '../dicomweb/credentials.js';
import { runDicomWebFlow, type FlowProgress } from '../dicomweb/run-flow.js';
import { stepProgressFromContext, type StepProgress } from '../progress-line.js';
import { parseIntegerFlag } from './run.js';
import { parseMaxVoxels } from './inspect.js';

const USAGE = `Usage:
  medinfer dicomweb run --url URL --study STUDY_UID --model MODEL_ID [--series SERIES_UID] [options]
  medinfer dicomweb submit --url URL --study STUDY_UID --model MODEL_ID [--series SERIES_UID] [--redis URL] [--queue NAME]

run: finds the model's input series in the study (QIDO-RS; modality and the manifest's dicomweb
rules), retrieves them (WADO-RS), runs the model and stores the results into the same study
(STOW-RS): a DICOM SEG for segmentation models, a Comprehensive 3D SR for every result. Result
UIDs are derived from study, series, model and model sha256: a second run finds the stored result
and does nothing (--overwrite recomputes and replaces it).
submit: queues the same job for \`medinfer worker\`s (which read DICOMWEB_* from their environment).
Options:
  --url URL           DICOMweb service root, e.g. http://127.0.0.1:8042/dicom-web
  --study UID         StudyInstanceUID
  --model ID          model id in the manifest
  --series UID        the input series (single-input models; default: chosen by the manifest rules)
  --user U --password P | --token T
                      basic or bearer auth (default: env DICOMWEB_USER / DICOMWEB_PASSWORD or
                      DICOMWEB_TOKEN; prefer the environment, flags show in the process list)
  --manifest FILE     models manifest (default: the bundled one)
  --models-dir DIR    the model store, merged with the manifest (default: $MEDINFER_MODELS, else the
                      per-user data folder); with --manifest also where its relative paths resolve
  --provider P        auto | cpu | cuda | webgpu, or a list like cuda,cpu (default auto)
  --threads N         intra-op threads
  --overwrite         re-run and replace a result already stored
  --uid-root ROOT     UID root of the stored objects (default 2.25)
  --min-score S       detection: leave candidates scoring below S out of the SR (default: all the
                      model reports, e.g. LUNA16-style candidate lists down to its NMS threshold)
  --timeout-ms N      per-request timeout (default 300000); --retries N (default 3)
  --idle-timeout-ms N a request with no byte received for N ms fails (default 60000)
  --max-voxels N      refuse larger inputs (default 2^28); a series answer (WADO-RS) over
                      4 bytes a voxel + 64 MiB is refused as it arrives (E_LIMIT)
  --json              print the summary (stored UIDs, timings) as JSON on stdout
  --quiet             no progress on stderr
Exit codes: 0 stored (or already stored), 1 failed (typed error on stderr), 2 usage or setup error.`;

const SETUP_CODES: ReadonlySet<string> = new Set(['E_USAGE', 'E_MANIFEST', 'E_MODEL_FILE', 'E_INTEGRITY', 'E_PROVIDER', 'E_MISSING_PACKAGE']);

const OPTIONS = {
  url: { type: 'string' },
  study: { type: 'string' },
  model: { type: 'string' },
  series: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  token: { type: 'string' },
  manifest: { type: 'string' },
  'models-dir': { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  overwrite: { type: 'boolean' },
  'uid-root': { type: 'string' },
  'min-score': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'idle-timeout-ms': { type: 'string' },
  retries: { type: 'string' },
  'max-voxels': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  redis: { type: 'string' },
  queue: { type: 'string' },
} as const;

function required(args: ParsedArgs, names: readonly ['url', 'study', 'model']): { url: string; study: string; model: string } {
  const out: Record<string, string> = {};
  const missing = names.filter((n) => {
    const v = stringFlag(args, n);
    if (v !== undefined && v !== '') out[n] = v;
    return v === undefined || v === '';
  });
  if (missing.length) throw new UsageError(`dicomweb: ${missing.map((m) => `--${m}`).join(', ')} required\n\n${USAGE}`, { field: missing[0] });
  return { url: out['url']!, study: out['study']!, model: out['model']! };
}

async function runCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  const { url, study, model } = required(args, ['url', 'study', 'model']);
  const auth = resolveDicomWebAuth({ user: stringFlag(args, 'user'), password: stringFlag(args, 'password'), token: stringFlag(args, 'token') }, ctx.env);
  const manifest = await loadManifestWithModelsDir(stringFlag(args, 'manifest'), stringFlag(args, 'models-dir'), ctx.cwd);
  const provider = stringFlag(args, 'provider');
  const threads = parseIntegerFlag(stringFlag(args, 'threads'), 'threads', 1, 1024);
  const timeoutMs = parseIntegerFlag(stringFlag(args, 'timeout-ms'), 'timeout-ms', 1, 86_400_000);
  const idleTimeoutMs = parseIntegerFlag(stringFlag(args, 'idle-timeout-ms'), 'idle-timeout-ms', 1, 86_400_000);
  const retries = parseIntegerFlag(stringFlag(args, 'retries'), 'retries', 0, 20);
  const maxVoxelsText = stringFlag(args, 'max-voxels');
  const maxVoxels = maxVoxelsText !== undefined ? parseMaxVoxels(maxVoxelsText, 'dicomweb') : undefined;
  const series = stringFlag(args, 'series');
  const uidRoot = stringFlag(args, 'uid-root');
  const minScoreText = stringFlag(args, 'min-score');
  const minScore = minScoreText === undefined ? undefined : Number(minScoreText);
  if (minScore !== undefined && !(minScore >= 0 && minScore <= 1))
    throw new UsageError(`--min-score must be a number from 0 to 1, got '${minScoreText}'`, { field: 'min-score' });
  const quiet = booleanFlag(args, 'quiet');
  const log = (line: string) => !quiet && ctx.err(`medinfer dicomweb: ${line}\n`);
  const timing: SessionTiming = { runMs: 0 };
  try {
    const summary = await runDicomWebFlow({
      url,
      study,
      model,
      manifest,
      ...(series !== undefined ? { series } : {}),
      ...(auth ? { auth } : {}),
      ...(uidRoot !== undefined ? { uidRoot } : {}),
      ...(minScore !== undefined ? { minScore } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
      ...(retries !== undefined ? { retries } : {}),
      ...(maxVoxels !== undefined ? { maxVoxels } : {}),
      overwrite: booleanFlag(args, 'overwrite'),
      disposePipeline: true,
      openPipeline: (entry) =>
        openTimedPipeline(
          entry,
          manifest,
          {
            ...(provider !== undefined ? { provider: parseProviderChoice(provider) } : {}),
            ...(threads !== undefined ? { threads } : {}),
            ...(maxVoxels !== undefined ? { maxVoxels } : {}),
          },
          timing,
        ),
      sessionRunMs: () => timing.runMs,
      log,
      // On a terminal, counted steps are one redrawn line each; elsewhere the log's plain lines.
      ...(ctx.isTTY && !quiet ? { progress: terminalProgress(ctx) } : {}),
    });
    if (booleanFlag(args, 'json')) ctx.out(JSON.stringify(summary, null, 2) + '\n');
    else if (summary.status === 'already-stored') log('done (result was already stored)');
    else if (summary.status === 'nothing-found') log('done: the model found nothing to report; nothing stored');
    else log(`done: stored ${summary.stored.map((s) => s.kind).join(' + ')} in ${(summary.timings.totalMs / 1000).toFixed(2)} s`);
    return EXIT_OK;
  } catch (error) {
    // Usage, manifest, model-file and provider problems are setup errors (exit 2, printed by the
    // dispatcher); everything about the server or the study exits 1.
    if (!isMedinferError(error) || SETUP_CODES.has(error.code)) throw error;
    ctx.err(`medinfer dicomweb run: ${error.code}: ${error.message}\n`);
    return EXIT_SOME_FAILED;
  }
}

async function submitCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  const { url, study, model } = required(args, ['url', 'study', 'model']);
  if (stringFlag(args, 'user') !== undefined || stringFlag(args, 'password') !== undefined || stringFlag(args, 'token') !== undefined) {
    throw new UsageError(
      'dicomweb submit: credentials are never queued; give workers DICOMWEB_USER / DICOMWEB_PASSWORD or DICOMWEB_TOKEN in their environment',
      { field: 'auth' },
    );
  }
  const { submitDicomWebJob } = await import('../queue/dicomweb-job.js');
  const manifest = stringFlag(args, 'manifest');
  const modelsDir = stringFlag(args, 'models-dir');
  const series = stringFlag(args, 'series');
  const maxVoxelsText = stringFlag(args, 'max-voxels');
  const result = await submitDicomWebJob(
    {
      url,
      study,
      model,
      ...(series !== undefined ? { series } : {}),
      ...(manifest !== undefined ? { manifest: resolve(ctx.cwd, manifest) } : {}),
      ...(modelsDir !== undefined ? { modelsDir: resolve(ctx.cwd, modelsDir) } : {}),
      ...(maxVoxelsText !== undefined ? { maxVoxels: parseMaxVoxels(maxVoxelsText, 'dicomweb') } : {}),
      overwrite: booleanFlag(args, 'overwrite'),
    },
    { redis: stringFlag(args, 'redis') ?? 'redis://127.0.0.1:6379', queue: stringFlag(args, 'queue') },
  );
  if (booleanFlag(args, 'json')) ctx.out(JSON.stringify(result, null, 2) + '\n');
  else ctx.err(`medinfer dicomweb submit: ${result.enqueued ? 'queued' : 'already queued'} job ${result.jobId}\n`);
  return EXIT_OK;
}

export const command: CliCommand = {
  name: 'dicomweb',
  summary: 'run a model on a study of a DICOMweb server (PACS) and store SEG / SR results back',
  usage: USAGE,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub !== 'run' && sub !== 'submit')
      throw new UsageError(`dicomweb: expected 'run' or 'submit', got '${sub ?? ''}'\n\n${USAGE}`, { field: 'subcommand' });
    const args = parseCommandArgs(rest, OPTIONS, `dicomweb ${sub}`);
    if (args.positionals.length) throw new UsageError(`dicomweb ${sub}: unexpected argument '${args.positionals[0]}'`, { field: 'argument' });
    return sub === 'run' ? runCommand(args, ctx) : submitCommand(args, ctx);
  },
};

/** One redrawn terminal line per counted step (retrieval per series, windows). */
function terminalProgress(ctx: CliContext): FlowProgress {
  const steps = new Map<string, StepProgress>();
  const step = (name: string) => {
    let p = steps.get(name);
    if (!p) steps.set(name, (p = stepProgressFromContext(ctx, `medinfer dicomweb: ${name}`, false)));
    return p;
  };
  return {
    update: (name, done, total, detail) => step(name).update(done, total, detail),
    finish: (name) => step(name).finish(),
  };
}
