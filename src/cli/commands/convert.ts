/**
 * `medinfer convert <input> <out.nii|out.nii.gz>`: DICOM file / series folder, NIfTI or raster ->
 * NIfTI with sform and qform from the LPS geometry (code 1, scanner, as dcm2niix writes them; a
 * NIfTI input keeps its own codes). A DICOM series with several parts (echoes, magnitude / phase)
 * gives one file per part, `<out><part>.nii.gz`, the names dcm2niix gives them.
 * Outputs appear atomically and all together: temporary files beside them, then renamed.
 */
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand, type CliContext } from '../command.js';
import { parseCommandArgs, stringFlag } from '../args.js';
import { InputError, isMedinferError, UsageError } from '../../core/errors.js';
import { VOXEL_TYPES, type VoxelType } from '../../core/dtype.js';
import type { Volume } from '../../core/volume.js';
import { writeNifti, type NiftiXformCode } from '../../io/nifti/write-nifti.js';
import { readImageDirectory, readImageFile } from '../../io/node-read-image.js';
import { readDicomSeriesParts } from '../../io/dicom/series-assemble.js';
import { parseMaxVoxels } from './inspect.js';

const USAGE = `Usage:
  medinfer convert <dicom file|dicom dir|nifti|png|jpeg> <out.nii|out.nii.gz> [--series UID] [--datatype T] [--max-voxels N]

Writes NIfTI-1 (NIfTI-2 when a dimension exceeds 32767) with sform and qform set: code 1 (scanner)
for DICOM and raster input, a NIfTI input keeps its codes (e.g. 4 = MNI-152). Voxel values as read
(DICOM: after the modality LUT, e.g. Hounsfield units).
DICOM series are split as dcm2niix does by default: time / diffusion / repeated volumes give one 4D
file (pixdim[4] = RepetitionTime in s); echoes and image components give one file each, named
<out><part>.nii(.gz) with part = _e<N> (every echo, when there are several) then _ph / _real /
_imaginary / _fieldmaphz (magnitude: none). One line is printed per file written; if any part
fails, nothing is written.
  --series UID    pick one series when the folder holds several
  --datatype T    store as ${VOXEL_TYPES.join(' | ')} (integer types round; out-of-range values fail)
  --max-voxels N  refuse inputs larger than N voxels (default 2^28)
Exit codes: 0 ok, 1 the input failed to read or convert, 2 usage error.`;

const OPTIONS = { series: { type: 'string' }, datatype: { type: 'string' }, 'max-voxels': { type: 'string' } } as const;

/** Writes bytes to `path` atomically: temp file in the same directory, then rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * The volumes to write: one, or every part of one DICOM series (echoes, magnitude / phase, ...:
 * each has meta.part, the dcm2niix suffix). A folder with several series needs --series.
 */
async function readInputs(input: string, maxVoxels: number, series: string | undefined): Promise<Volume[]> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new InputError(`${input}: no such file or directory`, { file: input });
  if (!info.isDirectory()) {
    try {
      return [await readImageFile(input, { maxVoxels, name: basename(input) })];
    } catch (error) {
      // One enhanced DICOM file holding several parts (e.g. Philips echoes x magnitude / phase).
      if (!(error instanceof InputError) || error.details['cause'] !== 'several-parts') throw error;
      const bytes = new Uint8Array(await readFile(input));
      return readDicomSeriesParts([{ name: basename(input), bytes }], { maxVoxels });
    }
  }
  const dir = await readImageDirectory(input, { maxVoxels });
  let images = dir.images;
  if (series !== undefined) images = images.filter((i) => i.volume.meta.seriesInstanceUid === series);
  if (images.length === 0) {
    const first = dir.errors[0];
    if (first) throw first.error;
    throw new InputError(`${input}: no readable image${series ? ` with series UID ${series}` : ''} in the directory`, { file: input });
  }
  const keys = [...new Set(images.map((i) => seriesKey(i.volume, i.name)))];
  if (keys.length === 1) return images.map((i) => i.volume);
  throw new UsageError(`${input}: the directory holds ${keys.length} images / series; choose one with --series (${keys.join(', ')})`, { file: input });
}

/** Parts of one DICOM series share its UID (and come from one folder group); anything else is its own image. */
function seriesKey(v: Volume, name: string): string {
  return v.meta.format === 'dicom' && typeof v.meta['part'] === 'string' && v.meta.seriesInstanceUid !== undefined ? v.meta.seriesInstanceUid : (v.meta.seriesInstanceUid ?? name);
}

/** `<dir>/out.nii.gz` + '_e2_ph' -> `<dir>/out_e2_ph.nii.gz`. */
export function partOutputPath(output: string, part: string): string {
  const m = /\.nii(\.gz)?$/i.exec(output)!;
  return `${output.slice(0, m.index)}${part}${m[0]}`;
}

/**
 * Writes every file or none: all are encoded first, written to temporary files, then renamed; a
 * failure removes the temporaries and anything already renamed.
 */
async function writeAllOrNothing(files: readonly { path: string; bytes: Uint8Array }[]): Promise<void> {
  const stamp = `${process.pid}.${Date.now().toString(36)}`;
  const temps = files.map((f) => join(dirname(f.path), `.${basename(f.path)}.${stamp}.tmp`));
  const renamed: string[] = [];
  try {
    for (let n = 0; n < files.length; n++) await writeFile(temps[n]!, files[n]!.bytes, { flag: 'wx' });
    for (let n = 0; n < files.length; n++) {
      await rename(temps[n]!, files[n]!.path);
      renamed.push(files[n]!.path);
    }
  } catch (error) {
    for (const t of temps) await unlink(t).catch(() => undefined);
    for (const r of renamed) await unlink(r).catch(() => undefined);
    throw error;
  }
}

/**
 * xform codes for the output: a NIfTI input keeps its space (e.g. 4 = MNI-152 must not turn into
 * 'scanner'); everything else is scanner space (1), as dcm2niix writes.
 */
export function chooseOutputXformCodes(volume: Volume): { sformCode: NiftiXformCode; qformCode: NiftiXformCode } {
  const nifti = volume.meta.format === 'nifti' ? (volume.meta['nifti'] as { sformCode?: number; qformCode?: number } | undefined) : undefined;
  const valid = (c: number | undefined): c is NiftiXformCode => c !== undefined && Number.isInteger(c) && c >= 1 && c <= 5;
  const sform = valid(nifti?.sformCode) ? nifti.sformCode : valid(nifti?.qformCode) ? nifti.qformCode : 1;
  const qform = valid(nifti?.qformCode) ? nifti.qformCode : sform;
  return { sformCode: sform, qformCode: qform };
}

export const command: CliCommand = {
  name: 'convert',
  summary: 'convert a DICOM series, NIfTI or raster image to .nii / .nii.gz',
  usage: USAGE,
  async run(argv: string[], ctx: CliContext): Promise<number> {
    const args = parseCommandArgs(argv, OPTIONS, 'convert');
    const [input, output, ...extra] = args.positionals;
    if (input === undefined || output === undefined || extra.length > 0) {
      ctx.err(`medinfer convert: expected <input> <output>\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (!/\.nii(\.gz)?$/i.test(output)) {
      ctx.err(`medinfer convert: output must end in .nii or .nii.gz, got '${output}'\n`);
      return EXIT_USAGE;
    }
    const datatype = stringFlag(args, 'datatype');
    if (datatype !== undefined && !VOXEL_TYPES.includes(datatype as VoxelType)) {
      ctx.err(`medinfer convert: --datatype must be one of ${VOXEL_TYPES.join(', ')}, got '${datatype}'\n`);
      return EXIT_USAGE;
    }
    const maxVoxels = parseMaxVoxels(stringFlag(args, 'max-voxels'), 'convert');
    try {
      const volumes = await readInputs(input, maxVoxels, stringFlag(args, 'series'));
      const outputs = volumes.map((volume) => {
        const part = volumes.length > 1 || typeof volume.meta['part'] === 'string' ? String(volume.meta['part'] ?? '') : '';
        return { volume, path: partOutputPath(output, part) };
      });
      const paths = outputs.map((o) => o.path);
      if (new Set(paths).size !== paths.length) throw new InputError(`${input}: several images would be written to the same file (${paths.join(', ')})`, { file: input, cause: 'output-clash' });
      const files = outputs.map(({ volume, path }) => ({ path, bytes: writeNifti(volume, { ...chooseOutputXformCodes(volume), gzip: /\.gz$/i.test(path), compress: (b) => gzipSync(b), ...(datatype ? { datatype: datatype as VoxelType } : {}) }) }));
      await writeAllOrNothing(files);
      for (const { volume, path } of outputs) {
        const g = volume.geometry;
        ctx.out(`${path}: ${g.size.join('x')}${volume.frames > 1 ? `x${volume.frames}` : ''} ${datatype ?? volume.type}, spacing ${g.spacing.map((s) => Number(s.toPrecision(6))).join('x')} mm\n`);
        for (const w of volume.meta.warnings ?? []) ctx.err(`medinfer convert: warning: ${w}\n`);
      }
      return EXIT_OK;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      if (!isMedinferError(error)) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === undefined) throw error;
        ctx.err(`medinfer convert: cannot write ${output} (${code})\n`);
        return EXIT_SOME_FAILED;
      }
      ctx.err(`medinfer convert: ${error.code}: ${error.message}\n`);
      return EXIT_SOME_FAILED;
    }
  },
};
