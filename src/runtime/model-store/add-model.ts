/**
 * Adds an ONNX model to the user model store: checks the entry (schema, steps, datasets, id
 * free), checks the graph against the entry's `io`, copies the file in as `<id>.onnx` with its
 * sha256 and writes the entry into the store manifest. Both writes are atomic (temp + rename);
 * the manifest is written last, so a store never names a file that is not complete.
 * Used by `medinfer models add`, `models import-monai --onnx` and the checkpoint converters.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ManifestError, ModelFileError, describeError } from '../../core/errors.js';
import { ensureFolder, writeFileAtomic } from '../../core/node-atomic-write.js';
import { sha256Hex } from '../checksum.js';
import { createNodeBackend } from '../ort-node.js';
import type { RuntimeBackend } from '../backend.js';
import { readManifestFile } from '../../manifest/node-manifest.js';
import type { ModelEntry, ModelFile } from '../../manifest/types.js';
import { checkGraphAgainstIo } from './check-graph.js';
import { mergeStoreManifest, readStoreJson } from '../../manifest/store/load-with-store.js';
import { resolveModelsDir, STORE_MANIFEST_NAME, type ModelsDirOptions } from '../../manifest/store/models-dir.js';

export interface AddModelOptions extends ModelsDirOptions {
  /** The model id (default: the entry's `id`). Lower case letters, digits, '.', '-'. */
  readonly id?: string;
  /** Replace a store model of the same id (default: refused with a ManifestError). */
  readonly replace?: boolean;
  /** Dataset entries (id -> entry) the model names that the catalogue lacks; written to the store. */
  readonly datasets?: Readonly<Record<string, unknown>>;
  /** Main manifest whose ids store ids must not collide with (default: the bundled one). */
  readonly manifest?: string;
  /** Runtime used for the graph check (default: onnxruntime-node). */
  readonly backend?: RuntimeBackend;
}

export interface AddedModel {
  readonly id: string;
  /** Store folder. */
  readonly dir: string;
  readonly manifestPath: string;
  /** Absolute path of the model file in the store. */
  readonly modelPath: string;
  readonly sha256: string;
  readonly bytes: number;
  /** The entry as loaded from the store (with `base` = the store folder). */
  readonly entry: ModelEntry;
  /** True when an earlier store model of this id was replaced. */
  readonly replaced: boolean;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9.-]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entry as the store manifest holds it: no id (the key), the store's file, weights kind 'user'. */
function storeEntry(entry: Readonly<Record<string, unknown>>, file: ModelFile, source: string): Record<string, unknown> {
  const { id: _id, files, datasetEntries: _d, base: _b, ...rest } = entry;
  if (Array.isArray(files) && files.some((f) => isRecord(f) && f['role'] !== 'model')) {
    throw new ManifestError(`${source}: files other than the model (vocab, labels, config) cannot be added to the store yet`, { file: source, field: 'files' });
  }
  const weights = isRecord(rest['weights']) ? rest['weights'] : {};
  return { ...rest, files: [file], weights: { ...weights, kind: 'user' } };
}

async function readModelBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new ModelFileError(`cannot read model file ${path}: ${describeError(error)}`, { file: path }, { cause: error });
  }
}

/**
 * Adds `onnxPath` with `entry` (a model entry in the manifest's format, `id` included or given
 * in options; `files` is replaced by the store's copy) to the user store and returns where it went.
 */
export async function addModelToStore(onnxPath: string, entry: Readonly<Record<string, unknown>>, options: AddModelOptions = {}): Promise<AddedModel> {
  const source = typeof entry['id'] === 'string' ? `entry '${entry['id']}'` : 'entry';
  const id = options.id ?? entry['id'];
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new ManifestError(`${source}: needs an id of lower case letters, digits, '.' and '-' (got ${JSON.stringify(id)})`, { field: 'id', received: id });
  }
  const onnx = resolve(options.cwd ?? process.cwd(), onnxPath);
  const bytes = await readModelBytes(onnx);
  const sha256 = await sha256Hex(bytes);
  const precisionOf = Array.isArray(entry['files']) ? (entry['files'] as unknown[]).find((f) => isRecord(f) && f['role'] === 'model') : undefined;
  const precision = isRecord(precisionOf) ? precisionOf['precision'] : undefined;
  const file = { role: 'model', path: `${id}.onnx`, sha256, bytes: bytes.length, ...(typeof precision === 'string' ? { precision } : {}) } as ModelFile;

  const store = resolveModelsDir(options);
  const main = await readManifestFile(options.manifest === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.manifest));
  // An explicitly named folder that does not exist yet is created here: adding is how a store starts.
  const current = await readStoreJson(store.source === 'option' ? { ...store, source: 'env' } : store);
  const currentJson = isRecord(current) ? current : { manifestVersion: 1, datasets: {}, models: {} };
  const models = isRecord(currentJson['models']) ? { ...currentJson['models'] } : {};
  const replaced = models[id] !== undefined;
  if (replaced && options.replace !== true) {
    throw new ManifestError(`model '${id}' is already in the store ${store.dir}; pass replace (--replace) to overwrite it`, {
      modelId: id,
      field: 'id',
      file: join(store.dir, STORE_MANIFEST_NAME),
    });
  }
  models[id] = storeEntry(entry, file, source);
  const datasets = { ...(isRecord(currentJson['datasets']) ? currentJson['datasets'] : {}), ...(options.datasets ?? {}) };
  const nextJson = { ...currentJson, manifestVersion: 1, datasets, models };
  // Schema, steps, dataset references and id collisions with the main manifest, before any write.
  const merged = mergeStoreManifest(main, nextJson, store.dir);
  const loaded = merged.models[id]!;
  await checkGraphAgainstIo(options.backend ?? createNodeBackend(), bytes, loaded.io, { file: onnx, modelId: id });

  await ensureFolder(store.dir);
  const modelPath = join(store.dir, file.path!);
  await writeFileAtomic(modelPath, bytes);
  const manifestPath = join(store.dir, STORE_MANIFEST_NAME);
  await writeFileAtomic(manifestPath, JSON.stringify(nextJson, null, 2) + '\n');
  return { id, dir: store.dir, manifestPath, modelPath, sha256, bytes: bytes.length, entry: loaded, replaced };
}
