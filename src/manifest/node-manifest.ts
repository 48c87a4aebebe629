/** Node-only manifest access: the package's bundled manifest or any manifest file on disk. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManifestError, describeError } from '../core/errors.js';
import { parseManifest, type ManifestLoadOptions } from './load.js';
import type { Manifest } from './types.js';

/** models.manifest.json at the package root (dist/manifest/ -> ../../). */
export function bundledManifestPath(): string {
  return fileURLToPath(new URL('../../models.manifest.json', import.meta.url));
}

export async function readManifestFile(path: string = bundledManifestPath(), options: Omit<ManifestLoadOptions, 'base'> = {}): Promise<Manifest> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read manifest ${absolute}: ${describeError(error)}`, { file: absolute }, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`manifest ${absolute} is not valid JSON: ${describeError(error)}`, { file: absolute }, { cause: error });
  }
  try {
    return parseManifest(json, { ...options, base: dirname(absolute) });
  } catch (error) {
    if (error instanceof ManifestError) throw new ManifestError(`${absolute}: ${error.message}`, { ...error.details, file: absolute }, { cause: error });
    throw error;
  }
}
