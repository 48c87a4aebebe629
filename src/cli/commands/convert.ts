/**
 * `medinfer convert <input> <out.nii|out.nii.gz>`: DICOM file / series folder, NIfTI or raster ->
 * NIfTI with sform and qform from the LPS geometry (code 1, scanner, as dcm2niix writes them; a
 * NIfTI input keeps its own codes). A DICOM series with several parts (echoes, magnitude / phase)
 * gives one file per part, `<out><part>.nii.gz`, the names dcm2niix gives them.
 * Outputs appear atomically and all together: temporary files beside them, then renamed.
 */
import { chooseOutputXformCodes } from '../../io/nifti/xform-codes.js';
import { createWriteStream, statSync } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, parseMaxVoxels, stringFlag } from '../args.js';
import { InputError, isMedinferError, UsageError } from '../../core/errors.js';
import { VOXEL_TYPES, type VoxelType } from '../../core/dtype.js';
import type { Volume } from '../../core/volume.js';
import { encodeNiftiHeader, encodeNiftiParts } from '../../io/nifti/write-nifti.js';
import { ensureFolder, TEMP_SUFFIX } from '../../core/node-atomic-write.js';
import { toIoError } from '../../core/io-error.js';
import { readImageDirectory, readImageFile } from '../../io/node-read-image.js';
import { readDicomSeriesParts } from '../../io/dicom/series-assemble.js';
import { nonUniformStack } from '../../io/dicom/stack-geometry.js';
import type { StreamedPart, VolumeShell } from '../../io/dicom/series-stream.js';
import { formatMegabytes, stepProgressFromContext, type StepProgress } from '../progress-line.js';

const USAGE = `Usage:
  medinfer convert <dicom file|dicom dir|nifti|png|jpeg> <out.nii|out.nii.gz>
    [--series UID] [--datatype T] [--max-voxels N] [--allow-nonuniform-slices] [--quiet]

Writes NIfTI-1 (NIfTI-2 when a dimension exceeds 32767) with sform and qform set: code 1 (scanner)
for DICOM and raster input, a NIfTI input keeps its codes (e.g. 4 = MNI-152). Voxel values as read.
DICOM series are split as dcm2niix does by default: time / diffusion / repeated volumes give one 4D
file (pixdim[4] = RepetitionTime in s); echoes and image components give one file each, named
<out><part>.nii(.gz) with part = _e<N> (every echo, when there are several) then _ph / _real /
_imaginary / _fieldmaphz (magnitude: none), then _rev (GE epi_pepolar: the reversed-polarity
volumes of a series holding both), then _ADC (a Philips DWI series with its isotropic trace volume:
the plain file leaves it out, _ADC holds every volume, trace last, as dcm2niix). One line is
printed per file written; if any part fails, nothing is written.
  --series UID    pick one series when the folder holds several
  --datatype T    store as ${VOXEL_TYPES.join(' | ')} (integer types round; out-of-range values fail)
  --max-voxels N  refuse inputs larger than N voxels (default 2^28)
  --allow-nonuniform-slices  write a DICOM stack whose slice positions stray more than a tenth
                  of a step from a uniform grid (a missing file, mixed stacks) on the mean spacing
                  anyway; without it such a series fails with E_INPUT (cause non-uniform-slices)
  --quiet         no progress on stderr (a folder prints files read / total and MB: one line
                  redrawn on a terminal, else 'progress convert: files ...' lines per 10%)
DICOM values are stored as the scanner stored them, with the modality map (RescaleSlope /
Intercept, Philips precise scaling) in scl_slope / scl_inter when one map holds for the whole
volume, as dcm2niix writes them; readers apply it (--datatype writes the values themselves).
The output's folder is created when missing. The outputs appear whole or not at all.
Exit codes: 0 ok, 1 the input failed to read or convert, or the output could not be written
(typed: E_IO_NO_SPACE, E_IO_READ_ONLY, E_IO_PERMISSION, E_IO_NOT_A_FOLDER ...), 2 usage error.`;

const OPTIONS = {
  series: { type: 'string' },
  datatype: { type: 'string' },
  'max-voxels': { type: 'string' },
  'allow-nonuniform-slices': { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/**
 * An image to write: a Volume in memory, or a DICOM series part whose samples are read from its
 * files while the file is written (series-stream.ts: the volume is never held whole). `shell` is
 * the Volume without its samples either way.
 */
interface Output {
  readonly shell: VolumeShell;
  readonly volume?: Volume;
  readonly streamed?: StreamedPart;
}

const inMemory = (volume: Volume): Output => ({ shell: volume, volume });

/** A stack NIfTI cannot place (meta.sliceDeviationMm from stack-geometry.ts): refuse, naming the way on. */
function checkUniformSlices(volume: VolumeShell, input: string): void {
  const off = nonUniformStack(volume.meta, volume.geometry.spacing[2]);
  if (off === undefined) return;
  const { deviationMm: deviation, stepMm: step } = off;
  throw new InputError(
    `${input}: slice positions are not uniform: a slice lies ${deviation.toFixed(3)} mm from the uniform grid of ${step.toFixed(3)} mm steps, which ` +
      `NIfTI cannot represent (missing or extra files?${(volume.meta.warnings ?? []).length ? ` ${(volume.meta.warnings ?? []).join('; ')}` : ''}); ` +
      `restore the files, or pass --allow-nonuniform-slices to write it on the mean spacing`,
    { file: input, cause: 'non-uniform-slices', deviationMm: deviation, spacingMm: step },
  );
}

/**
 * The volumes to write: one, or every part of one DICOM series (echoes, magnitude / phase, ...:
 * each has meta.part, the dcm2niix suffix). A folder with several series needs --series.
 */
async function readInputs(input: string, maxVoxels: number, series: string | undefined, keepStoredValues: boolean, progress?: StepProgress): Promise<Output[]> {
  const dicom = { keepStoredValues };
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new InputError(`${input}: no such file or directory`, { file: input });
  if (!info.isDirectory()) {
    try {
      // A one-shot process: blocking opens and header reads, as for folders below.
      return [inMemory(await readImageFile(input, { maxVoxels, name: basename(input), dicom, blockingReads: true }))];
    } catch (error) {
      // One enhanced DICOM file holding several parts (e.g. Philips echoes x magnitude / phase).
      if (!(error instanceof InputError) || error.details['cause'] !== 'several-parts') throw error;
      const bytes = new Uint8Array(await readFile(input));
      return (await readDicomSeriesParts([{ name: basename(input), bytes }], { maxVoxels, ...dicom })).map(inMemory);
    }
  }
  // Files read / total and their MB (file sizes; DICOM pixel data is read later, on assembly).
  let bytes = 0;
  const onFile = (path: string, done: number, total: number) => {
    try {
      bytes += statSync(path).size;
    } catch {
      // a file that vanished is reported by the reader; progress just skips its size
    }
    progress?.update(done, total, `${formatMegabytes(bytes)} MB`);
  };
  // A one-shot process: blocking file calls read the folder faster (node-file-access.ts).
  // Stored values (no --datatype): DICOM parts whose samples pass through unchanged are streamed
  // from their files into the output instead of being assembled first.
  const dir = await readImageDirectory(input, { maxVoxels, dicom, blockingReads: true, streamDicomSamples: keepStoredValues, ...(progress ? { onFile } : {}) });
  progress?.finish();
  // Streamed parts and in-memory images in one list, in the order of the reader's series list.
  let images = [
    ...dir.images.map(({ name, volume }) => ({ name, out: inMemory(volume) })),
    ...dir.streamed.map(({ name, part }) => ({ name, out: { shell: part.shell, streamed: part } as Output })),
  ];
  if (series !== undefined) images = images.filter((i) => i.out.shell.meta.seriesInstanceUid === series);
  if (images.length === 0) {
    const first = dir.errors[0];
    if (first) throw first.error;
    throw new InputError(`${input}: no readable image${series ? ` with series UID ${series}` : ''} in the directory`, { file: input });
  }
  const keys = [...new Set(images.map((i) => seriesKey(i.out.shell, i.name)))];
  if (keys.length === 1) {
    // One series UID whose files form several stacks (orientation or size differ: a 3-plane
    // localiser, reformats): --series cannot tell them apart, so name them (dcm2niix writes each
    // under a collision letter, out / outa, whose order is its own).
    const parts = images.map((i) => String(i.out.shell.meta['part'] ?? ''));
    if (new Set(parts).size < parts.length) {
      const stacks = images.map((i) => `${i.name}: ${i.out.shell.geometry.size.join('x')}${i.out.shell.frames > 1 ? `x${i.out.shell.frames}` : ''}`);
      throw new InputError(
        `${input}: series ${keys[0]} holds ${images.length} image stacks of different orientation or size (${stacks.join('; ')}); put the files of ` +
          `one stack in their own folder and convert that`,
        { file: input, cause: 'several-stacks', stacks },
      );
    }
    return images.map((i) => i.out);
  }
  throw new UsageError(`${input}: the directory holds ${keys.length} images / series; choose one with --series (${keys.join(', ')})`, { file: input });
}

/** Parts of one DICOM series share its UID (and come from one folder group); anything else is its own image. */
function seriesKey(v: VolumeShell, name: string): string {
  return v.meta.format === 'dicom' && typeof v.meta['part'] === 'string' && v.meta.seriesInstanceUid !== undefined
    ? v.meta.seriesInstanceUid
    : (v.meta.seriesInstanceUid ?? name);
}

/** `<dir>/out.nii.gz` + '_e2_ph' -> `<dir>/out_e2_ph.nii.gz`. */
export function partOutputPath(output: string, part: string): string {
  const m = /\.nii(\.gz)?$/i.exec(output)!;
  return `${output.slice(0, m.index)}${part}${m[0]}`;
}

/** A file's header and its samples: in memory, or streamed from the DICOM files while writing. */
type NiftiParts = { readonly header: Uint8Array } & ({ readonly payload: Uint8Array } | { readonly stream: StreamedPart });

/** Writes all of `bytes` at `position` of the file (a write may be partial). */
async function writeAt(fh: Awaited<ReturnType<typeof open>>, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
}

/** Bytes per positioned write of an uncompressed payload; up to WRITE_LANES of them at once. */
const WRITE_CHUNK = 16 << 20;
const WRITE_LANES = 4;

/**
 * The payload in 16 MiB pieces, several written at once at their own offsets: the thread pool
 * copies them into the page cache on every core instead of one (a 150 MB CT: one copy after
 * another is most of the write's time).
 */
async function writePayload(fh: Awaited<ReturnType<typeof open>>, payload: Uint8Array, position: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let at = next; at < payload.length; at = next) {
      next += WRITE_CHUNK;
      await writeAt(fh, payload.subarray(at, at + WRITE_CHUNK), position + at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_LANES, Math.ceil(payload.length / WRITE_CHUNK)) }, lane));
}

/**
 * One NIfTI file from its header and samples, straight from the volume's memory: no
 * concatenated copy of the volume; .nii.gz streams through gzip in 4 MiB slices (mtime 0, so the
 * same volume gives the same bytes).
 */
async function writeNiftiFile(path: string, parts: NiftiParts, gzip: boolean): Promise<void> {
  if (!gzip) {
    const fh = await open(path, 'wx');
    try {
      await writeAt(fh, parts.header, 0);
      // Streamed: each piece written at its place while the next is read from the DICOM files.
      if ('stream' in parts) await parts.stream.stream((bytes, at) => writePayload(fh, bytes, parts.header.length + at));
      else await writePayload(fh, parts.payload, parts.header.length);
    } finally {
      await fh.close();
    }
    return;
  }
  if ('stream' in parts) {
    // Each piece handed to gzip is released when gzip has taken it in (the write callback), so the
    // streamed part can fill its buffer again; the deflate stream is the same whatever the pieces.
    const gz = createGzip({ level: 6 });
    const done = pipeline(gz, createWriteStream(path, { flags: 'wx' }));
    const put = (bytes: Uint8Array): Promise<void> => new Promise((resolve, reject) => void gz.write(bytes, (err) => (err ? reject(err) : resolve())));
    try {
      await put(parts.header);
      await parts.stream.stream((bytes) => put(bytes));
      gz.end();
    } catch (error) {
      gz.destroy(error as Error);
      await done.catch(() => undefined);
      throw error;
    }
    await done;
    return;
  }
  const SLICE = 4 << 20;
  const { header, payload } = parts;
  function* chunks(): Generator<Uint8Array> {
    yield header;
    for (let at = 0; at < payload.length; at += SLICE) yield payload.subarray(at, at + SLICE);
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), createGzip({ level: 6 }), createWriteStream(path, { flags: 'wx' }));
}

/**
 * Writes every file or none: each to a hidden temporary file beside it, then all renamed; a
 * failure removes the temporaries and anything already renamed. Faults are typed E_IO_* errors
 * naming the file (a missing output folder is created).
 */
async function writeAllOrNothing(files: readonly { path: string; parts: NiftiParts; gzip: boolean }[]): Promise<void> {
  const stamp = `${process.pid}.${Date.now().toString(36)}`;
  const temps = files.map((f) => join(dirname(f.path), `.${basename(f.path)}.${stamp}${TEMP_SUFFIX}`));
  const renamed: string[] = [];
  let current = files[0]?.path ?? '';
  let op: 'write' | 'rename' = 'write';
  try {
    for (const dir of new Set(files.map((f) => dirname(f.path)))) await ensureFolder(dir);
    for (let n = 0; n < files.length; n++) {
      current = files[n]!.path;
      await writeNiftiFile(temps[n]!, files[n]!.parts, files[n]!.gzip);
    }
    op = 'rename';
    for (let n = 0; n < files.length; n++) {
      current = files[n]!.path;
      await rename(temps[n]!, files[n]!.path);
      renamed.push(files[n]!.path);
    }
  } catch (error) {
    for (const t of temps) await unlink(t).catch(() => undefined);
    for (const r of renamed) await unlink(r).catch(() => undefined);
    throw toIoError(error, current, op);
  }
}

export { chooseOutputXformCodes } from '../../io/nifti/xform-codes.js';

export const command: CliCommand = {
  name: 'convert',
  summary: 'convert a DICOM series, NIfTI or raster image to .nii / .nii.gz',
  usage: USAGE,
  async run(argv, ctx) {
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
      // Stored values with their map in scl_slope / scl_inter (as dcm2niix writes them) unless a
      // datatype is asked for, which needs the values themselves.
      const progress = stepProgressFromContext(ctx, 'convert: files', booleanFlag(args, 'quiet'));
      const images = await readInputs(input, maxVoxels, stringFlag(args, 'series'), datatype === undefined, progress);
      if (!booleanFlag(args, 'allow-nonuniform-slices')) for (const v of images) checkUniformSlices(v.shell, input);
      const outputs = images.map((image) => {
        const volume = image.shell;
        const part = images.length > 1 || typeof volume.meta['part'] === 'string' ? String(volume.meta['part'] ?? '') : '';
        return { image, volume, path: partOutputPath(output, part) };
      });
      const paths = outputs.map((o) => o.path);
      if (new Set(paths).size !== paths.length)
        throw new InputError(`${input}: several images would be written to the same file (${paths.join(', ')})`, { file: input, cause: 'output-clash' });
      const files = outputs.map(({ image, volume, path }) => {
        const scaling = volume.meta['storedValueScaling'] as { slope: number; intercept: number } | undefined;
        const options = { ...chooseOutputXformCodes(volume), ...(scaling ? { scaling } : {}), ...(datatype ? { datatype: datatype as VoxelType } : {}) };
        const parts: NiftiParts =
          image.volume !== undefined ? encodeNiftiParts(image.volume, options) : { header: encodeNiftiHeader(volume, options), stream: image.streamed! };
        return { path, parts, gzip: /\.gz$/i.test(path) };
      });
      await writeAllOrNothing(files);
      for (const { volume, path } of outputs) {
        const g = volume.geometry;
        const scaling = volume.meta['storedValueScaling'] as { slope: number; intercept: number } | undefined;
        const scl =
          scaling && (scaling.slope !== 1 || scaling.intercept !== 0)
            ? ` (stored values, scl_slope ${Number(scaling.slope.toPrecision(6))} scl_inter ${Number(scaling.intercept.toPrecision(6))})`
            : '';
        ctx.out(
          `${path}: ${g.size.join('x')}${volume.frames > 1 ? `x${volume.frames}` : ''} ${datatype ?? volume.type}${scl}, spacing ` +
            `${g.spacing.map((s) => Number(s.toPrecision(6))).join('x')} mm\n`,
        );
        for (const w of volume.meta.warnings ?? []) ctx.err(`medinfer convert: warning: ${w}\n`);
      }
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
