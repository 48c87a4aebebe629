/**
 * `medinfer convert <input> <out.nii|out.nii.gz>`: DICOM file / series folder, NIfTI or raster ->
 * NIfTI with sform and qform from the LPS geometry (code 1, scanner, as dcm2niix writes them; a
 * NIfTI input keeps its own codes).
 * The output appears atomically: written to a temporary file beside it, then renamed.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand, type CliContext } from '../command.js';
import { parseCommandArgs, stringFlag } from '../args.js';
import { InputError, isMedinferError, UsageError } from '../../core/errors.js';
import { toIoError } from '../../core/io-error.js';
import { VOXEL_TYPES, type VoxelType } from '../../core/dtype.js';
import type { Volume } from '../../core/volume.js';
import { writeNifti, type NiftiXformCode } from '../../io/nifti/write-nifti.js';
import { readImageDirectory, readImageFile } from '../../io/node-read-image.js';
import { ensureFolder, writeFileAtomic } from '../batch/atomic-writer.js';
import { parseMaxVoxels } from './inspect.js';

const USAGE = `Usage:
  medinfer convert <dicom file|dicom dir|nifti|png|jpeg> <out.nii|out.nii.gz> [--series UID] [--datatype T] [--max-voxels N]

Writes NIfTI-1 (NIfTI-2 when a dimension exceeds 32767) with sform and qform set: code 1 (scanner)
for DICOM and raster input, a NIfTI input keeps its codes (e.g. 4 = MNI-152). Voxel values as read
(DICOM: after the modality LUT, e.g. Hounsfield units).
  --series UID    pick one series when the folder holds several
  --datatype T    store as ${VOXEL_TYPES.join(' | ')} (integer types round; out-of-range values fail)
  --max-voxels N  refuse inputs larger than N voxels (default 2^28)
The output's folder is created when missing. The output appears whole or not at all.
Exit codes: 0 ok, 1 the input failed to read or convert, or the output could not be written
(typed: E_IO_NO_SPACE, E_IO_READ_ONLY, E_IO_PERMISSION, E_IO_NOT_A_FOLDER ...), 2 usage error.`;

const OPTIONS = { series: { type: 'string' }, datatype: { type: 'string' }, 'max-voxels': { type: 'string' } } as const;

async function readInput(input: string, maxVoxels: number, series: string | undefined): Promise<Volume> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new InputError(`${input}: no such file or directory`, { file: input });
  if (!info.isDirectory()) return readImageFile(input, { maxVoxels, name: basename(input) });
  const dir = await readImageDirectory(input, { maxVoxels });
  let images = dir.images;
  if (series !== undefined) images = images.filter((i) => i.volume.meta.seriesInstanceUid === series);
  if (images.length === 1) return images[0]!.volume;
  if (images.length === 0) {
    const first = dir.errors[0];
    if (first) throw first.error;
    throw new InputError(`${input}: no readable image${series ? ` with series UID ${series}` : ''} in the directory`, { file: input });
  }
  const uids = images.map((i) => i.volume.meta.seriesInstanceUid ?? i.name);
  throw new UsageError(`${input}: the directory holds ${images.length} images / series; choose one with --series (${uids.join(', ')})`, { file: input });
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
      const volume = await readInput(input, maxVoxels, stringFlag(args, 'series'));
      const bytes = writeNifti(volume, { ...chooseOutputXformCodes(volume), gzip: /\.gz$/i.test(output), compress: (b) => gzipSync(b), ...(datatype ? { datatype: datatype as VoxelType } : {}) });
      // A missing output folder is created (like --output of run); faults are typed E_IO_* errors.
      await ensureFolder(dirname(output));
      await writeFileAtomic(output, bytes);
      const g = volume.geometry;
      ctx.out(`${output}: ${g.size.join('x')}${volume.frames > 1 ? `x${volume.frames}` : ''} ${datatype ?? volume.type}, spacing ${g.spacing.map((s) => Number(s.toPrecision(6))).join('x')} mm\n`);
      for (const w of volume.meta.warnings ?? []) ctx.err(`medinfer convert: warning: ${w}\n`);
      return EXIT_OK;
    } catch (thrown) {
      // The writers type their own faults; a raw system error left here came from reading.
      const error = toIoError(thrown, String((thrown as { path?: unknown } | null)?.path ?? input), 'read');
      if (error instanceof UsageError) throw error;
      if (!isMedinferError(error)) throw error;
      ctx.err(`medinfer convert: ${error.code}: ${error.message}\n`);
      return EXIT_SOME_FAILED;
    }
  },
};
