/**
 * The manifest a Node caller sees: the bundled one (or `--manifest FILE`) merged with the user
 * model store's manifest. Store entries keep their own base (the store folder), so their relative
 * file paths resolve there while bundled entries still resolve inside the package.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ManifestError, ModelFileError, describeError } from '../../core/errors.js';
import { errnoOf } from '../../core/io-error.js';
import { parseManifest } from '../load.js';
import { readManifestFile } from '../node-manifest.js';
import type { DatasetEntry, Manifest, ModelEntry } from '../types.js';
import { resolveModelsDir, STORE_MANIFEST_NAME, type ModelsDirOptions, type ModelsDirResolution } from './models-dir.js';

export interface StoreLoadOptions extends ModelsDirOptions {
  /** Main manifest file (default: the package's bundled models.manifest.json). */
  readonly manifest?: string;
}

export interface StoreInfo extends ModelsDirResolution {
  /** The store's manifest file (may not exist yet). */
  readonly manifestPath: string;
  /** Whether the store manifest exists. */
  readonly exists: boolean;
  /** Ids of the models that came from the store. */
  readonly modelIds: readonly string[];
}

export interface ManifestWithStore {
  readonly manifest: Manifest;
  readonly store: StoreInfo;
}

/** A dataset entry as a manifest file holds it (the loader adds `id`). */
function rawDataset(d: DatasetEntry): Omit<DatasetEntry, 'id'> {
  const { id: _id, ...rest } = d;
  return rest;
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The store manifest's JSON, or undefined when the store holds none yet. */
export async function readStoreJson(store: ModelsDirResolution): Promise<unknown> {
  const path = join(store.dir, STORE_MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoOf(error);
    // The per-user default lies under HOME: a service account running with another user's HOME
    // (e.g. HOME=/root, mode 0700) cannot even look there. That is "no store of its own", not a
    // broken store; a folder the caller named (option / MEDINFER_MODELS) must be readable.
    if (store.source === 'default' && (code === 'EACCES' || code === 'EPERM')) return undefined;
    if (code !== 'ENOENT') throw new ManifestError(`cannot read the model store manifest ${path}: ${describeError(error)}`, { file: path }, { cause: error });
    // A folder the caller named must exist: a typo would otherwise hide every store model.
    if (store.source === 'option' && !(await isFolder(store.dir))) {
      throw new ModelFileError(`models folder ${store.dir} (--models-dir / modelsDir) does not exist`, { file: store.dir, field: 'modelsDir' });
    }
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ManifestError(`model store manifest ${path} is not valid JSON: ${describeError(error)}`, { file: path }, { cause: error });
  }
}

/** JSON with object keys sorted, so the same dataset written in another key order compares equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Parses the store manifest against the main catalogue (store entries may name bundled datasets)
 * and merges it: a model id in both is a ManifestError, a dataset id in both must say the same.
 */
export function mergeStoreManifest(main: Manifest, storeJson: unknown, storeDir: string): Manifest {
  const file = join(storeDir, STORE_MANIFEST_NAME);
  const raw = storeJson as { datasets?: unknown; models?: unknown } | null;
  const storeDatasets =
    raw !== null && typeof raw === 'object' && typeof raw.datasets === 'object' && raw.datasets !== null ? (raw.datasets as Record<string, unknown>) : {};
  const datasets: Record<string, unknown> = {};
  for (const d of Object.values(main.datasets)) datasets[d.id] = rawDataset(d);
  for (const [id, d] of Object.entries(storeDatasets)) {
    if (datasets[id] !== undefined && !sameJson(datasets[id], d)) {
      throw new ManifestError(`${file}: dataset '${id}' differs from the bundled catalogue's dataset of the same id; give it another id`, {
        file,
        field: 'datasets',
        received: id,
      });
    }
    datasets[id] = d;
  }
  let parsed: Manifest;
  try {
    parsed = parseManifest({ ...(raw as object), datasets }, { base: storeDir });
  } catch (error) {
    if (error instanceof ManifestError) throw new ManifestError(`${file}: ${error.message}`, { ...error.details, file }, { cause: error });
    throw error;
  }
  const models: Record<string, ModelEntry> = { ...main.models };
  for (const entry of Object.values(parsed.models)) {
    if (models[entry.id] !== undefined) {
      throw new ManifestError(`${file}: model id '${entry.id}' is also a bundled model's id; store models need ids of their own`, {
        file,
        modelId: entry.id,
        field: 'models',
      });
    }
    models[entry.id] = { ...entry, base: storeDir };
  }
  return { ...main, datasets: { ...main.datasets, ...parsed.datasets }, models };
}

/**
 * The bundled manifest's external entries (published checkpoints the user converts with
 * scripts/models/convert_*.py) resolve in the store: converted weights are the user's files and
 * must survive a reinstall of the package, so they are never written inside it.
 */
function withExternalInStore(manifest: Manifest, storeDir: string): Manifest {
  const models: Record<string, ModelEntry> = {};
  for (const [id, m] of Object.entries(manifest.models)) models[id] = m.weights.kind === 'external' ? { ...m, base: storeDir } : m;
  return { ...manifest, models };
}

/**
 * Reads the main manifest and merges the user store. With both `manifest` and `modelsDir`
 * named, the main manifest's own relative paths also resolve in the models folder (a manifest
 * kept apart from its models, as `--models-dir` always meant); the bundled manifest's models
 * ship inside the package and always resolve there.
 */
export async function loadManifestWithStore(options: StoreLoadOptions = {}): Promise<ManifestWithStore> {
  const store = resolveModelsDir(options);
  const loaded = options.manifest === undefined ? await readManifestFile() : await readManifestFile(resolve(options.cwd ?? process.cwd(), options.manifest));
  const main = options.manifest !== undefined ? (store.source === 'option' ? { ...loaded, base: store.dir } : loaded) : withExternalInStore(loaded, store.dir);
  const json = await readStoreJson(store);
  const manifestPath = join(store.dir, STORE_MANIFEST_NAME);
  if (json === undefined) return { manifest: main, store: { ...store, manifestPath, exists: false, modelIds: [] } };
  const merged = mergeStoreManifest(main, json, store.dir);
  const modelIds = Object.keys(merged.models).filter((id) => main.models[id] === undefined);
  return { manifest: merged, store: { ...store, manifestPath, exists: true, modelIds } };
}
