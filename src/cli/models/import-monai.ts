/**
 * `medinfer models import-monai <bundle folder> [--onnx model.onnx]`: a MONAI bundle's configs ->
 * a manifest entry. With --onnx the entry (with the graph's own input / output names and static
 * dims) goes into the model store through addModelToStore (graph checked, sha256 recorded);
 * without, the entry JSON is written to --out (default stdout) for a later `models add`.
 */
import { resolve } from 'node:path';
import { ManifestError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/node-atomic-write.js';
import { readManifestFile } from '../../manifest/node-manifest.js';
import { importMonaiBundle } from '../../manifest/monai/import-bundle.js';
import { applyGraphIo } from '../../runtime/model-store/graph-io.js';
import { addModelToStore } from '../../runtime/model-store/add-model.js';
import { EXIT_OK, type CliContext } from '../command.js';

export interface ImportMonaiOptions {
  readonly onnx?: string;
  readonly out?: string;
  readonly id?: string;
  /** `--set key=value` (value parsed as JSON when it parses, else a string). */
  readonly set: readonly string[];
  readonly classNames?: readonly string[];
  readonly replace: boolean;
  readonly modelsDir?: string;
  readonly manifest?: string;
  readonly json: boolean;
}

function parseOverrides(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new ManifestError(`--set ${pair}: expected key=value (key: a config id such as whether_raw_luna16 or inferer#overlap)`, {
        field: 'set',
        received: pair,
      });
    const text = pair.slice(at + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A bare word is a string, as in the bundle CLI.
    }
    out[pair.slice(0, at)] = value;
  }
  return out;
}

export async function importMonaiCommand(bundleDir: string, options: ImportMonaiOptions, ctx: CliContext): Promise<number> {
  const main = await readManifestFile(options.manifest === undefined ? undefined : resolve(ctx.cwd, options.manifest));
  const imported = importMonaiBundle(resolve(ctx.cwd, bundleDir), {
    datasets: main.datasets,
    overrides: parseOverrides(options.set),
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(options.classNames !== undefined ? { classNames: options.classNames } : {}),
  });
  for (const note of imported.notes) ctx.err(`note: ${note}\n`);
  if (options.onnx === undefined) {
    const text =
      JSON.stringify({ ...imported.entry, ...(Object.keys(imported.datasetEntries).length > 0 ? { datasetEntries: imported.datasetEntries } : {}) }, null, 2) +
      '\n';
    if (options.out === undefined) ctx.out(text);
    else {
      await writeFileAtomic(resolve(ctx.cwd, options.out), text);
      ctx.err(`wrote ${resolve(ctx.cwd, options.out)}; add it with: medinfer models add MODEL.onnx --entry ${options.out}\n`);
    }
    return EXIT_OK;
  }
  const onnx = resolve(ctx.cwd, options.onnx);
  const entry = await applyGraphIo(onnx, imported.entry);
  const added = await addModelToStore(onnx, entry, {
    cwd: ctx.cwd,
    env: ctx.env,
    replace: options.replace,
    datasets: imported.datasetEntries,
    ...(options.modelsDir !== undefined ? { modelsDir: options.modelsDir } : {}),
    ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
  });
  if (options.json)
    ctx.out(
      JSON.stringify(
        { id: added.id, dir: added.dir, file: added.modelPath, sha256: added.sha256, bytes: added.bytes, entry: imported.entry, notes: imported.notes },
        null,
        2,
      ) + '\n',
    );
  else
    ctx.out(`${added.replaced ? 'replaced' : 'added'} ${added.id} in ${added.dir}\n  file ${added.modelPath} (${added.bytes} bytes, sha256 ${added.sha256})\n`);
  return EXIT_OK;
}
