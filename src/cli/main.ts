/**
 * `medinfer` command dispatcher. Commands are loaded lazily so `medinfer --help` stays fast and a
 * command's heavy dependencies (ONNX Runtime, sharp) load only when that command runs.
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { EXIT_OK, EXIT_USAGE, type CliCommand, type CliContext } from './command.js';
import * as errors from '../core/errors.js';
import { isMedinferError, describeError } from '../core/errors.js';
import { SDK_VERSION } from '../version.js';
import { describeMissingOptional } from './optional-packages.js';
// Compressed frames of long series decode on worker threads (also for the bundled commands: frame-decode-pool.ts).
import '../io/dicom/codecs/node-frame-decode-pool.js';

type Loader = (ctx: CliContext) => Promise<CliCommand>;

const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  // Commands register here; each module exports `command: CliCommand`.
  inspect: { summary: 'show format, geometry (LPS), type and intensity stats of images', load: async () => (await import('./commands/inspect.js')).command },
  convert: {
    summary: 'convert a DICOM series, NIfTI or raster image to .nii / .nii.gz',
    load: async (ctx) => (await loadBundled('convert', ctx)) ?? (await import('./commands/convert.js')).command,
  },
  samples: {
    summary: 'write ready sample inputs (phantoms) for every task, with the run line for each',
    load: async () => (await import('./commands/samples.js')).command,
  },
  'copy-assets': {
    summary: 'copy the onnxruntime-web .wasm / .mjs files a browser app must serve into a folder',
    load: async () => (await import('./commands/copy-assets.js')).command,
  },
  demo: { summary: 'run every task on bundled phantom data and write report.html', load: async () => (await import('./commands/demo.js')).command },
  queue: {
    summary: 'spread a batch over worker processes / machines with a Redis queue (submit, status, collect)',
    load: async () => (await import('./commands/queue.js')).command,
  },
  worker: { summary: 'run queued inference jobs (Redis / BullMQ) on this machine', load: async () => (await import('./commands/worker.js')).command },
  serve: { summary: 'web demo: run models in the browser (WebGPU / wasm) on 127.0.0.1', load: async () => (await import('./commands/serve.js')).command },
  models: {
    summary: 'list models (bundled + your model store) and datasets; verify; add your own ONNX; import a MONAI bundle',
    load: async () => (await import('./commands/models.js')).command,
  },
  run: { summary: 'batch inference over files, folders, globs or CSV lists (resumable)', load: async () => (await import('./commands/run.js')).command },
  dicomweb: {
    summary: 'run a model on a study of a DICOMweb server (PACS) and store SEG / SR results back',
    load: async () => (await import('./commands/dicomweb.js')).command,
  },
  eval: {
    summary: 'run a model over a labelled set and report its metrics (AUC, CPM, Dice, TRE, F1)',
    load: async () => (await import('./commands/eval.js')).command,
  },
};

/**
 * The command from dist/cli/bundled/<name>.cjs (compiled with a V8 code cache: code-cache.ts) or
 * <name>.js when scripts/build-cli.mjs bundled it after the last tsc run (the bundle is newer than
 * this module, which every tsc run rewrites): one file to load instead of ~80 modules. undefined
 * otherwise (a plain tsc build, tests on src/): the caller loads the modules.
 */
async function loadBundled(name: string, ctx: CliContext): Promise<CliCommand | undefined> {
  const newer = (url: URL): boolean => {
    try {
      return statSync(url).mtimeMs >= statSync(new URL(import.meta.url)).mtimeMs;
    } catch {
      return false;
    }
  };
  const script = new URL(`./bundled/${name}.cjs`, import.meta.url);
  if (newer(script)) {
    try {
      // The script's require('medinfer:errors') is this module's errors.js: one MedinferError class.
      const { loadScriptCommand } = await import('./code-cache.js');
      return loadScriptCommand(script, { shared: { 'medinfer:errors': errors }, env: ctx.env });
    } catch {
      // Not loadable as a script here: the ES module bundle below holds the same code.
    }
  }
  const url = new URL(`./bundled/${name}.js`, import.meta.url);
  if (!newer(url)) return undefined;
  return ((await import(url.href)) as { command: CliCommand }).command;
}

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `medinfer ${SDK_VERSION} - medical imaging models on ONNX Runtime`,
    '',
    'Usage: medinfer <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run `medinfer <command> --help` for a command's options.",
    '--verbose (any command, or MEDINFER_VERBOSE=1) also shows native library messages (WebGPU / Vulkan).',
    'Exit codes: 0 all ok, 1 some inputs failed, 2 usage or setup error.',
  ].join('\n');
}

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  // --verbose is global: the runtime reads MEDINFER_VERBOSE (e.g. to show the WebGPU probe's
  // native Dawn / Vulkan output, which is otherwise kept off stderr).
  if (argv.includes('--verbose')) {
    argv = argv.filter((a) => a !== '--verbose');
    process.env['MEDINFER_VERBOSE'] = '1';
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(helpText() + '\n');
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    ctx.out(`${SDK_VERSION}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    ctx.err(`medinfer: unknown command '${name}'\n\n${helpText()}\n`);
    return EXIT_USAGE;
  }
  let command: CliCommand;
  try {
    command = await entry.load(ctx);
  } catch (error) {
    const missing = describeMissingOptional(error);
    if (missing === undefined) throw error;
    ctx.err(`medinfer ${name}: ${missing}\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.out(command.usage + '\n');
    return EXIT_OK;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    // Anything reaching here is a setup problem (bad flags, unreadable manifest): exit 2.
    if (isMedinferError(error)) ctx.err(`medinfer ${name}: ${error.code}: ${error.message}\n`);
    else ctx.err(`medinfer ${name}: ${describeMissingOptional(error) ?? describeError(error)}\n`);
    return EXIT_USAGE;
  }
}

/**
 * V8 settings for a process that runs `argv`: bin/medinfer.js calls this once, before main (tests
 * that call main in-process do not). A one-shot `convert` keeps every parsed header until its
 * output is written; V8's default then grows the young generation step by step to 16 MiB while
 * the headers are built, copying them about: +9 MiB peak memory on a 120-volume fMRI run and no
 * CPU time gained (BENCHMARKS.md "convert"). It stays at its initial size instead. Only on V8
 * versions known to have the flag (an unknown flag prints an error line) and never over the
 * user's own semi-space flags.
 */
export function tuneProcess(argv: readonly string[], env: CliContext['env']): void {
  const flag = v8FlagFor(argv, env, process.versions.v8, process.execArgv);
  if (flag !== undefined) setFlagsFromString(flag);
}

/** The V8 flag tuneProcess sets for `argv`, if any (see there). */
export function v8FlagFor(argv: readonly string[], env: CliContext['env'], v8Version: string, execArgv: readonly string[]): string | undefined {
  if (argv.find((a) => a !== '--verbose') !== 'convert') return undefined;
  const major = Number(v8Version.split('.')[0]);
  if (!(major >= 10 && major <= 13)) return undefined;
  if ([...execArgv, env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('semi-space'))) return undefined;
  return '--semi-space-growth-factor=1';
}

export function processContext(): CliContext {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stderr.isTTY),
  };
}
