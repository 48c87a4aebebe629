/** `medinfer models add model.onnx --entry entry.json`: a user's own ONNX into the model store. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ManifestError, describeError } from '../../core/errors.js';
import { addModelToStore, type AddModelOptions } from '../../runtime/model-store/add-model.js';
import { EXIT_OK, type CliContext } from '../command.js';

/** Reads entry.json: a model entry in the manifest's format; `datasetEntries` (id -> dataset) is split off. */
export async function readEntryFile(path: string): Promise<{ entry: Record<string, unknown>; datasets?: Record<string, unknown> }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ManifestError(`cannot read entry ${path}: ${describeError(error)}`, { file: path, field: 'entry' }, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ManifestError(`entry ${path} must be a JSON object (one model entry)`, { file: path, field: 'entry' });
  const { datasetEntries, ...entry } = json as Record<string, unknown>;
  if (datasetEntries === undefined) return { entry };
  if (typeof datasetEntries !== 'object' || datasetEntries === null || Array.isArray(datasetEntries)) {
    throw new ManifestError(`entry ${path}: datasetEntries must be an object of dataset id -> dataset entry`, { file: path, field: 'datasetEntries' });
  }
  return { entry, datasets: datasetEntries as Record<string, unknown> };
}

export interface AddCommandOptions {
  readonly entryPath: string;
  readonly id?: string;
  readonly replace: boolean;
  readonly modelsDir?: string;
  readonly manifest?: string;
  readonly json: boolean;
}

export async function addModelCommand(onnxPath: string, options: AddCommandOptions, ctx: CliContext): Promise<number> {
  const entryFile = resolve(ctx.cwd, options.entryPath);
  const { entry, datasets } = await readEntryFile(entryFile);
  const addOptions: AddModelOptions = {
    cwd: ctx.cwd,
    env: ctx.env,
    replace: options.replace,
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(options.modelsDir !== undefined ? { modelsDir: options.modelsDir } : {}),
    ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
    ...(datasets !== undefined ? { datasets } : {}),
  };
  const added = await addModelToStore(onnxPath, entry, addOptions);
  if (options.json)
    ctx.out(
      JSON.stringify(
        {
          id: added.id,
          dir: added.dir,
          manifest: added.manifestPath,
          file: added.modelPath,
          sha256: added.sha256,
          bytes: added.bytes,
          replaced: added.replaced,
        },
        null,
        2,
      ) + '\n',
    );
  else {
    ctx.out(
      `${added.replaced ? 'replaced' : 'added'} ${added.id} in ${added.dir}\n  file ${added.modelPath} (${added.bytes} bytes, sha256 ` +
        `${added.sha256})\n  graph inputs/outputs match the entry's io (names, dtypes, ranks, static dims)\n`,
    );
    // What a graph cannot confirm stays the entry's word: say so rather than imply it was checked.
    ctx.err('note: layout, axisOrder, channel names, preprocessing and labels are as entry.json states them; the graph cannot confirm them\n');
  }
  return EXIT_OK;
}
