/**
 * Opens a manifest model: resolves its model file against the manifest's base, verifies the
 * sha256 the manifest records and checks the graph's I/O against the entry - then caches it.
 */
import { ModelFileError } from '../core/errors.js';
import { getModelFile } from '../manifest/load.js';
import type { Manifest, ModelEntry, ModelFile } from '../manifest/types.js';
import type { RuntimeBackend } from './backend.js';
import { createModelSession, type ModelSession, type ModelSessionOptions } from './model-session.js';
import { sessionCacheKey, type SessionCache } from './session-cache.js';

export type OpenModelOptions = Omit<ModelSessionOptions, 'modelId' | 'sha256' | 'io'> & {
  /** Share sessions across pipelines; omitted: a fresh session the caller disposes. */
  readonly cache?: SessionCache;
};

/**
 * Where a manifest file lives: URL as is, or the path joined onto its entry's base (user-store
 * entries) or else the manifest's base.
 */
export function resolveModelFileLocation(manifest: Pick<Manifest, 'base'>, file: ModelFile, entry?: Pick<ModelEntry, 'base'>): string {
  if (file.path === undefined) return file.url!;
  const base = entry?.base ?? manifest.base;
  if (base === undefined || base === '') return file.path;
  if (/^[a-z]+:\/\//i.test(base)) return new URL(file.path, base.endsWith('/') ? base : `${base}/`).href;
  return `${base.replace(/[\\/]+$/, '')}/${file.path}`;
}

export async function openModel(backend: RuntimeBackend, manifest: Manifest, entry: ModelEntry, options: OpenModelOptions = {}): Promise<ModelSession> {
  const file = getModelFile(entry, 'model');
  const location = resolveModelFileLocation(manifest, file, entry);
  const create = async (): Promise<ModelSession> => {
    try {
      return await createModelSession(
        backend,
        { path: location },
        { ...options, modelId: entry.id, io: entry.io, ...(file.sha256 !== undefined ? { sha256: file.sha256 } : {}) },
      );
    } catch (error) {
      if (error instanceof ModelFileError && entry.weights.kind === 'external') {
        throw new ModelFileError(
          `model '${entry.id}': weights are external and not converted yet (${location} missing); download ` +
            `${entry.weights.checkpoint ?? 'the checkpoint'} from ${entry.weights.source ?? 'its source'} and run ` +
            `${entry.weights.convertScript ?? 'the conversion script'}`,
          { file: location, modelId: entry.id },
          { cause: error },
        );
      }
      throw error;
    }
  };
  if (!options.cache) return create();
  const key = sessionCacheKey({
    modelId: entry.id,
    sha256: file.sha256,
    provider: options.provider ?? 'auto',
    threads: options.threads,
    memoryArena: options.memoryArena,
  });
  return options.cache.get(key, create);
}
