/** Manifest loading for the DICOMweb command and job: `--models-dir` names the user model store. */
import type { Manifest } from '../../manifest/types.js';
import { loadManifest } from '../batch/run-batch.js';

/**
 * The manifest merged with the model store in `modelsDir` (default: MEDINFER_MODELS / the per-user
 * folder); with `--manifest` also given, that manifest's relative paths resolve in `modelsDir`.
 */
export async function loadManifestWithModelsDir(manifest: string | undefined, modelsDir: string | undefined, cwd: string): Promise<Manifest> {
  return loadManifest(manifest, cwd, modelsDir);
}
