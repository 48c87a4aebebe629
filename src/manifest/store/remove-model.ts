/**
 * Removes a model from the user model store: its entry from the store manifest (written
 * atomically first, so the store never names a deleted file), then its files. Datasets stay
 * (other entries may name them). Only store models can be removed: a bundled id is an error.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestError } from '../../core/errors.js';
import { errnoOf, toIoError } from '../../core/io-error.js';
import { writeFileAtomic } from '../../core/node-atomic-write.js';
import { readStoreJson } from './load-with-store.js';
import { resolveModelsDir, STORE_MANIFEST_NAME, type ModelsDirOptions } from './models-dir.js';

export async function removeModelFromStore(
  id: string,
  options: ModelsDirOptions = {},
): Promise<{ readonly dir: string; readonly removedFiles: readonly string[] }> {
  const store = resolveModelsDir(options);
  const manifestPath = join(store.dir, STORE_MANIFEST_NAME);
  const json = await readStoreJson(store);
  const models = typeof json === 'object' && json !== null ? (json as { models?: Record<string, { files?: { path?: string }[] }> }).models : undefined;
  const entry = models?.[id];
  if (entry === undefined) throw new ManifestError(`model '${id}' is not in the model store ${store.dir}`, { modelId: id, field: 'id', file: manifestPath });
  const { [id]: _removed, ...rest } = models!;
  await writeFileAtomic(manifestPath, JSON.stringify({ ...(json as object), models: rest }, null, 2) + '\n');
  const removedFiles: string[] = [];
  for (const f of entry.files ?? []) {
    if (f.path === undefined) continue;
    const path = join(store.dir, f.path);
    try {
      await unlink(path);
      removedFiles.push(path);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw toIoError(error, path, 'delete');
    }
  }
  return { dir: store.dir, removedFiles };
}
