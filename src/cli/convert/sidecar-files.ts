/**
 * The text files beside one written NIfTI (`<name>.json`, and `<name>.bval` / `<name>.bvec` for a
 * DWI part), as dcm2niix writes them by default; they join the series' all-or-nothing write.
 */
import { buildDiffusionFiles } from './diffusion-files.js';
import { buildSidecar, formatSidecar } from './sidecar.js';
import type { OutputFile } from './write-nifti-files.js';
import type { VolumeShell } from '../../io/dicom/series-stream.js';

/** `out_e2.nii.gz` -> `out_e2`. */
export const stripNiftiExtension = (path: string): string => path.replace(/\.nii(\.gz)?$/i, '');

/**
 * The sidecar files of the image written at `niftiPath` (none for a non-DICOM image); why a DWI
 * part gets no .bval / .bvec is pushed onto `notes`, naming the file.
 */
export function sidecarFiles(shell: VolumeShell, niftiPath: string, labels: boolean, notes: string[]): OutputFile[] {
  const sidecar = buildSidecar(shell, labels);
  if (sidecar === undefined) return [];
  const base = stripNiftiExtension(niftiPath);
  const files: OutputFile[] = [{ path: `${base}.json`, text: formatSidecar(sidecar) }];
  for (const note of (shell.meta['acquisitionNotes'] as string[] | undefined) ?? []) notes.push(`${base}.json: ${note}`);
  const diffusion = buildDiffusionFiles(shell);
  if (diffusion !== undefined && 'warning' in diffusion) notes.push(`${niftiPath}: ${diffusion.warning}`);
  else if (diffusion !== undefined) files.push({ path: `${base}.bval`, text: diffusion.bval }, { path: `${base}.bvec`, text: diffusion.bvec });
  return files;
}
