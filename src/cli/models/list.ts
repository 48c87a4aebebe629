/** `medinfer models` (list, with each model's file check) and `medinfer models verify`. */
import { EXIT_OK, EXIT_SOME_FAILED, type CliContext } from '../command.js';
import { formatTable } from '../format-table.js';
import { isFailure, verifyManifestFiles, type FileCheck } from '../../runtime/verify-files.js';
import type { ManifestWithStore } from '../../manifest/store/load-with-store.js';

function storeLine(loaded: ManifestWithStore): string {
  const s = loaded.store;
  const why = s.source === 'option' ? '--models-dir' : s.source === 'env' ? 'MEDINFER_MODELS' : 'per-user default';
  return `Model store: ${s.dir} (${why}; ${s.exists ? `${s.modelIds.length} model${s.modelIds.length === 1 ? '' : 's'}` : 'empty'})\n`;
}

/** One word per model: the worst of its files' statuses. */
function modelStatus(checks: readonly FileCheck[], id: string): string {
  const own = checks.filter((c) => c.modelId === id);
  const order = ['mismatch', 'missing', 'absent-external', 'no-checksum', 'unchecked-url', 'ok'] as const;
  const worst = order.find((s) => own.some((c) => c.status === s));
  return worst === 'ok' ? 'verified' : (worst ?? '');
}

export async function listModels(loaded: ManifestWithStore, ctx: CliContext, json: boolean): Promise<number> {
  const { manifest, store } = loaded;
  const models = Object.values(manifest.models);
  const datasets = Object.values(manifest.datasets);
  const checks = await verifyManifestFiles(manifest);
  const inStore = new Set(store.modelIds);
  if (json) {
    const listed = models.map((m) => ({ ...m, source: inStore.has(m.id) ? 'store' : 'package', status: modelStatus(checks, m.id) }));
    ctx.out(
      JSON.stringify(
        { models: listed, datasets, store: { dir: store.dir, source: store.source, exists: store.exists, models: store.modelIds }, checks },
        null,
        2,
      ) + '\n',
    );
    return EXIT_OK;
  }
  ctx.out(storeLine(loaded));
  ctx.out(`Models (${models.length})\n`);
  const rows = models.map((m) => [
    m.id,
    m.task,
    m.weights.kind,
    inStore.has(m.id) ? 'store' : 'package',
    modelStatus(checks, m.id),
    m.datasets.join(','),
    m.architecture,
  ]);
  ctx.out(formatTable(['id', 'task', 'weights', 'source', 'files', 'datasets', 'architecture'], rows) + '\n\n');
  ctx.out(`Datasets (${datasets.length})\n`);
  ctx.out(
    formatTable(
      ['id', 'year', 'modality', 'tasks', 'acquisition'],
      datasets.map((d) => [d.id, d.year === undefined ? '' : String(d.year), d.modality, d.tasks.join(','), d.acquisition.link ?? d.acquisition.kind]),
    ) + '\n',
  );
  for (const f of checks.filter(isFailure)) ctx.err(`${f.modelId}: ${f.location}: ${f.message}\n`);
  return EXIT_OK;
}

export async function verifyModels(loaded: ManifestWithStore, ctx: CliContext, json: boolean): Promise<number> {
  const checks = await verifyManifestFiles(loaded.manifest);
  const failed = checks.filter(isFailure);
  if (json) ctx.out(JSON.stringify({ checks, failed: failed.length, store: { dir: loaded.store.dir, models: loaded.store.modelIds } }, null, 2) + '\n');
  else {
    ctx.out(storeLine(loaded));
    ctx.out(
      formatTable(
        ['model', 'role', 'status', 'file'],
        checks.map((c) => [c.modelId, c.role, c.status, c.location]),
      ) + '\n',
    );
    const counts = new Map<string, number>();
    for (const c of checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
    ctx.out(`\n${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
    for (const f of failed) ctx.err(`${f.modelId}: ${f.location}: ${f.message}\n`);
  }
  return failed.length > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}
