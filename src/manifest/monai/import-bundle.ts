/**
 * Node side of the MONAI bundle importer: reads <bundle>/configs/metadata.json and
 * configs/inference.json (and files named by `%file#id` macros, relative to the bundle folder)
 * and builds the manifest entry (build-entry.ts). YAML configs are refused with a typed error:
 * the zoo's CT / MRI segmentation and detection bundles ship JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ManifestError, UnsupportedError, describeError } from '../../core/errors.js';
import { buildMonaiEntry, type MonaiImport, type MonaiImportOptions } from './build-entry.js';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read ${path}: ${describeError(error)}`, { file: path }, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ManifestError(`${path} is not valid JSON: ${describeError(error)}`, { file: path }, { cause: error });
  }
}

function configFile(dir: string, name: string): string {
  const json = join(dir, 'configs', `${name}.json`);
  if (existsSync(json)) return json;
  for (const ext of ['yaml', 'yml']) {
    if (existsSync(join(dir, 'configs', `${name}.${ext}`)))
      throw new UnsupportedError(`${join(dir, 'configs', `${name}.${ext}`)}: YAML bundle configs are not read; the importer takes configs/${name}.json`, {
        file: join(dir, 'configs', `${name}.${ext}`),
      });
  }
  throw new ManifestError(`${dir}: no configs/${name}.json (is this a MONAI bundle folder?)`, { file: json });
}

/** Reads the bundle folder and returns the entry, dataset entries and notes. */
export function importMonaiBundle(bundleDir: string, options: MonaiImportOptions = {}): MonaiImport {
  const dir = resolve(bundleDir);
  const metadata = readJson(configFile(dir, 'metadata'));
  const inference = readJson(configFile(dir, 'inference'));
  const readOther = (relative: string): unknown => {
    const path = resolve(dir, relative);
    if (!path.startsWith(dir)) throw new ManifestError(`${dir}: the macro file '${relative}' is outside the bundle`, { file: relative });
    return readJson(path);
  };
  return buildMonaiEntry(basename(dir), metadata, inference, readOther, options);
}
