/** Manifest loading for the DICOMweb command and job: `--models-dir` moves where relative model paths resolve. */
import { resolve } from 'node:path';
import type { Manifest } from '../../manifest/types.js';
import { loadManifest } from '../batch/run-batch.js';

/** The manifest with --models-dir applied (relative model paths resolve there). */
export async function loadManifestWithModelsDir(manifest: string | undefined, modelsDir: string | undefined, cwd: string): Promise<Manifest> {
  const loaded = await loadManifest(manifest, cwd);
  return modelsDir === undefined ? loaded : { ...loaded, base: resolve(cwd, modelsDir) };
}
