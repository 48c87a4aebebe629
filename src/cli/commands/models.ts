/** `medinfer models [--json]` and `medinfer models verify [--json]`. */
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand, type CliContext } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { formatTable } from '../format-table.js';
import { readManifestFile } from '../../manifest/node-manifest.js';
import { isFailure, verifyManifestFiles } from '../../manifest/verify-files.js';
import type { Manifest } from '../../manifest/types.js';

const USAGE = `Usage:
  medinfer models [--json] [--manifest FILE]          list models and the dataset catalogue
  medinfer models verify [--json] [--manifest FILE]   check every shipped file's sha256

External weights that were not converted yet are listed as absent, not as failures.
Exit codes: 0 ok, 1 a shipped file is missing or its sha256 differs, 2 usage / manifest error.`;

const OPTIONS = { json: { type: 'boolean' }, manifest: { type: 'string' } } as const;

function listModels(manifest: Manifest, ctx: CliContext, json: boolean): number {
  const models = Object.values(manifest.models);
  const datasets = Object.values(manifest.datasets);
  if (json) {
    ctx.out(JSON.stringify({ models, datasets }, null, 2) + '\n');
    return EXIT_OK;
  }
  ctx.out(`Models (${models.length})\n`);
  ctx.out(formatTable(['id', 'task', 'weights', 'datasets', 'architecture'], models.map((m) => [m.id, m.task, m.weights.kind, m.datasets.join(','), m.architecture])) + '\n\n');
  ctx.out(`Datasets (${datasets.length})\n`);
  ctx.out(formatTable(['id', 'year', 'modality', 'tasks', 'acquisition'], datasets.map((d) => [d.id, d.year === undefined ? '' : String(d.year), d.modality, d.tasks.join(','), d.acquisition.link ?? d.acquisition.kind])) + '\n');
  return EXIT_OK;
}

async function verify(manifest: Manifest, ctx: CliContext, json: boolean): Promise<number> {
  const checks = await verifyManifestFiles(manifest);
  const failed = checks.filter(isFailure);
  if (json) ctx.out(JSON.stringify({ checks, failed: failed.length }, null, 2) + '\n');
  else {
    ctx.out(formatTable(['model', 'role', 'status', 'file'], checks.map((c) => [c.modelId, c.role, c.status, c.location])) + '\n');
    const counts = new Map<string, number>();
    for (const c of checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
    ctx.out(`\n${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
    for (const f of failed) ctx.err(`${f.modelId}: ${f.location}: ${f.message}\n`);
  }
  return failed.length > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}

export const command: CliCommand = {
  name: 'models',
  summary: 'list models and datasets; `models verify` checks shipped files',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'models');
    const [sub, ...extra] = args.positionals;
    if (extra.length > 0 || (sub !== undefined && sub !== 'verify' && sub !== 'list')) {
      ctx.err(`medinfer models: unexpected argument '${sub ?? extra[0]}'\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const manifestPath = stringFlag(args, 'manifest');
    const manifest = await readManifestFile(manifestPath === undefined ? undefined : manifestPath);
    const json = booleanFlag(args, 'json');
    return sub === 'verify' ? verify(manifest, ctx, json) : listModels(manifest, ctx, json);
  },
};
