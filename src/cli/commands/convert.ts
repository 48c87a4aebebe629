/**
 * `medinfer convert <input> <out.nii|out.nii.gz | folder>`: DICOM file / series folder, NIfTI or
 * raster -> NIfTI with sform and qform from the LPS geometry (code 1, scanner, as dcm2niix writes
 * them; a NIfTI input keeps its own codes). A DICOM series with several parts (echoes, magnitude /
 * phase) gives one file per part, `<out><part>.nii.gz`, the names dcm2niix gives them. Given a
 * folder instead of a file name, every series of the input is written there, each under a name
 * from a pattern (../convert/output-names.ts), as dcm2niix converts a whole folder.
 * One series' outputs appear atomically and all together: temporary files beside them, then renamed.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand, type CliContext } from '../command.js';
import { booleanFlag, parseCommandArgs, parseMaxVoxels, stringFlag } from '../args.js';
import { InputError, isMedinferError, UsageError, type MedinferError } from '../../core/errors.js';
import { VOXEL_TYPES, type VoxelType } from '../../core/dtype.js';
import { chooseOutputXformCodes } from '../../io/nifti/xform-codes.js';
import { encodeNiftiHeader, encodeNiftiParts } from '../../io/nifti/write-nifti.js';
import { toIoError } from '../../core/io-error.js';
import type { VolumeShell } from '../../io/dicom/series-stream.js';
import { stepProgressFromContext } from '../progress-line.js';
import { checkNamePattern, DEFAULT_NAME_PATTERN, DistinctNames, NAME_TOKENS, outputBaseName, patternNeedsLabels } from '../convert/output-names.js';
import { checkUniformSlices, noReadableImage, outputParts, readOneSeries, scanSeries, type NamedOutput, type ReadSettings } from '../convert/read-inputs.js';
import { writeAllOrNothing, type NiftiParts, type OutputFile } from '../convert/write-nifti-files.js';
import { sidecarFiles } from '../convert/sidecar-files.js';

const USAGE = `Usage:
  medinfer convert <dicom file|dicom dir|nifti|png|jpeg> <out.nii|out.nii.gz>
    [--series UID] [--datatype T] [--max-voxels N] [--allow-nonuniform-slices] [--no-sidecar | --sidecar-labels] [--quiet]
  medinfer convert <dicom dir|file> <output folder> [--name PATTERN] [--gz] [the options above]

Writes NIfTI-1 (NIfTI-2 when a dimension exceeds 32767) with sform and qform set: code 1 (scanner)
for DICOM and raster input, a NIfTI input keeps its codes (e.g. 4 = MNI-152). Voxel values as read.
DICOM series are split as dcm2niix does by default: time / diffusion / repeated volumes give one 4D
file (pixdim[4] = RepetitionTime in s); echoes and image components give one file each, named
<out><part>.nii(.gz) with part = _e<N> (every echo, when there are several) then _ph / _real /
_imaginary / _fieldmaphz (magnitude: none), then _rev (GE epi_pepolar: the reversed-polarity
volumes of a series holding both), then _ADC (a Philips DWI series with its isotropic trace volume:
the plain file leaves it out, _ADC holds every volume, trace last, as dcm2niix); stacks of other
orientations in one series (a 3-plane localiser) one file each, _i<N> as dcm2niix names them
(N: the stack's first InstanceNumber). One line is printed per NIfTI written; if any part fails,
nothing is written.
Beside each NIfTI of a DICOM series, as dcm2niix -b y: <out><part>.json, a BIDS sidecar of what the
header states (times in s; PhaseEncodingDirection and SliceTiming in the written file's voxel axes:
rows are kept as stored, so dcm2niix's "j" is "j-" here), and for a diffusion part <out><part>.bval /
.bvec (FSL convention). No patient, institution or date field; a value the header does not state
exactly is left out (a warning says why where it matters).
An output folder (a path ending in /, an existing folder, or a name without extension; created
when missing) instead of a .nii / .nii.gz name: every series of the input is written there as
<name><part>.nii (.nii.gz with --gz), <name> from --name (default
'${DEFAULT_NAME_PATTERN}', e.g. s003_MR; a name taken twice gets dcm2niix's collision letter: s003_MRa).
A series that fails is reported (typed error) and the others are still written: exit 1 then.
  --series UID    pick one series when the folder holds several
  --datatype T    store as ${VOXEL_TYPES.join(' | ')} (integer types round; out-of-range values fail)
  --max-voxels N  refuse inputs larger than N voxels (default 2^28)
  --allow-nonuniform-slices  write a DICOM stack whose slice positions stray more than a tenth
                  of a step from a uniform grid (a missing file, mixed stacks) on the mean spacing
                  anyway; without it such a series fails with E_INPUT (cause non-uniform-slices)
  --name PATTERN  output folder only: the file name of each DICOM series, from
${Object.entries(NAME_TOKENS)
  .map(([t, what]) => `                    %${t}  ${what}`)
  .join('\n')}
                  (no token gives patient identifiers or dates; other images keep their file name)
  --gz            output folder only: write .nii.gz
  --no-sidecar    write the NIfTI files only: no .json, .bval, .bvec (dcm2niix -b n)
  --sidecar-labels  also write SeriesDescription and ProtocolName into the sidecar (free text
                  that may name a patient or site: off by default)
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
  name: { type: 'string' },
  gz: { type: 'boolean' },
  quiet: { type: 'boolean' },
  'no-sidecar': { type: 'boolean' },
  'sidecar-labels': { type: 'boolean' },
} as const;

/** `<dir>/out.nii.gz` + '_e2_ph' -> `<dir>/out_e2_ph.nii.gz`. */
export function partOutputPath(output: string, part: string): string {
  const m = /\.nii(\.gz)?$/i.exec(output)!;
  return `${output.slice(0, m.index)}${part}${m[0]}`;
}

const isNiftiPath = (path: string): boolean => /\.nii(\.gz)?$/i.test(path);

/**
 * An output folder: a path ending in a separator, an existing folder, or a last name without an
 * extension. Anything else that is not a .nii / .nii.gz name (out.png, out.nrrd) is a usage
 * error, not a folder made under that name.
 */
function isOutputFolder(path: string): boolean {
  if (/[\\/]$/.test(path)) return true;
  try {
    if (statSync(path).isDirectory()) return true;
  } catch {
    // not there yet: decided by the name
  }
  return !/\.[A-Za-z0-9]{1,8}$/.test(basename(path));
}

interface WriteSettings {
  readonly datatype: VoxelType | undefined;
  readonly allowNonuniform: boolean;
  /** BIDS sidecar (and .bval / .bvec) beside each NIfTI of a DICOM series; labels: SeriesDescription / ProtocolName in it. */
  readonly sidecar: false | { readonly labels: boolean };
}

/**
 * Writes the parts of one series at `output` (a .nii / .nii.gz path; parts get their suffix), all
 * or none, and prints a line per file written (and the series' warnings).
 */
async function writeSeries(input: string, group: readonly NamedOutput[], output: string, w: WriteSettings, ctx: CliContext): Promise<void> {
  const images = group.map((i) => i.out);
  if (!w.allowNonuniform) for (const v of images) checkUniformSlices(v.shell, input);
  const parts = outputParts(input, group);
  const outputs = images.map((image, k) => {
    const volume = image.shell;
    const part = images.length > 1 || typeof volume.meta['part'] === 'string' ? parts[k]! : '';
    return { image, volume, path: partOutputPath(output, part) };
  });
  const paths = outputs.map((o) => o.path);
  if (new Set(paths).size !== paths.length)
    throw new InputError(`${input}: several images would be written to the same file (${paths.join(', ')})`, { file: input, cause: 'output-clash' });
  const files: OutputFile[] = outputs.map(({ image, volume, path }) => {
    const scaling = volume.meta['storedValueScaling'] as { slope: number; intercept: number } | undefined;
    const options = { ...chooseOutputXformCodes(volume), ...(scaling ? { scaling } : {}), ...(w.datatype ? { datatype: w.datatype } : {}) };
    const parts: NiftiParts =
      image.volume !== undefined ? encodeNiftiParts(image.volume, options) : { header: encodeNiftiHeader(volume, options), stream: image.streamed! };
    return { path, parts, gzip: /\.gz$/i.test(path) };
  });
  const notes: string[] = [];
  if (w.sidecar !== false) for (const { volume, path } of outputs) files.push(...sidecarFiles(volume, path, w.sidecar.labels, notes));
  await writeAllOrNothing(files);
  if (parts.some((p) => /_i\d{5,}/.test(p)))
    ctx.err(
      `medinfer convert: note: ${input}: stacks of other orientations in one series (a localiser?) written one file each (_i<InstanceNumber of the first>)\n`,
    );
  for (const { volume, path } of outputs) {
    ctx.out(`${path}: ${describeWritten(volume, w.datatype)}\n`);
    for (const warning of volume.meta.warnings ?? []) ctx.err(`medinfer convert: warning: ${warning}\n`);
  }
  for (const note of notes) ctx.err(`medinfer convert: warning: ${note}\n`);
}

function describeWritten(volume: VolumeShell, datatype: VoxelType | undefined): string {
  const g = volume.geometry;
  const scaling = volume.meta['storedValueScaling'] as { slope: number; intercept: number } | undefined;
  const scl =
    scaling && (scaling.slope !== 1 || scaling.intercept !== 0)
      ? ` (stored values, scl_slope ${Number(scaling.slope.toPrecision(6))} scl_inter ${Number(scaling.intercept.toPrecision(6))})`
      : '';
  const spacing = g.spacing.map((s) => Number(s.toPrecision(6))).join('x');
  return `${g.size.join('x')}${volume.frames > 1 ? `x${volume.frames}` : ''} ${datatype ?? volume.type}${scl}, spacing ${spacing} mm`;
}

/** A failure as the command prints it; a raw system error left here came from reading. */
function typedFailure(thrown: unknown, input: string): MedinferError {
  const error = toIoError(thrown, String((thrown as { path?: unknown } | null)?.path ?? input), 'read');
  if (error instanceof UsageError || !isMedinferError(error)) throw error;
  return error;
}

/**
 * Every series of the input into `folder`, one after another; a series that fails (or a file
 * that could not be read) is reported and the rest still written. Resolves how many failed.
 */
async function writeFolder(
  input: string,
  folder: string,
  pattern: string,
  gzip: boolean,
  series: string | undefined,
  r: ReadSettings,
  w: WriteSettings,
  ctx: CliContext,
) {
  const inputName = basename(input.replace(/[\\/]+$/, '')) || 'input';
  const ext = gzip ? '.nii.gz' : '.nii';
  const names = new DistinctNames();
  let written = 0;
  let failed = 0;
  // Series by series as the reader assembles them: one series' samples held at a time.
  const { errors, skipped } = await scanSeries(input, r, series, async (group) => {
    const name = names.take(outputBaseName(pattern, group[0]!.out.shell.meta, group[0]!.name, inputName));
    try {
      await writeSeries(input, group, join(folder, `${name}${ext}`), w, ctx);
      written++;
    } catch (thrown) {
      names.release(name);
      const error = typedFailure(thrown, input);
      ctx.err(`medinfer convert: ${error.code}: ${error.message}\n`);
      failed++;
    }
  });
  for (const { error } of errors) ctx.err(`medinfer convert: ${error.code}: ${error.message}\n`);
  if (written === 0 && failed === 0) {
    if (errors[0]) throw errors[0].error;
    throw noReadableImage(input, series, skipped);
  }
  return failed + errors.length;
}

export const command: CliCommand = {
  name: 'convert',
  summary: 'convert a DICOM series or folder, NIfTI or raster image to .nii / .nii.gz',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'convert');
    const [input, output, ...extra] = args.positionals;
    if (input === undefined || output === undefined || extra.length > 0) {
      ctx.err(`medinfer convert: expected <input> <output>\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const toFolder = !isNiftiPath(output);
    if (toFolder && !isOutputFolder(output)) {
      ctx.err(`medinfer convert: output must end in .nii or .nii.gz, or be a folder (end it with /), got '${output}'\n`);
      return EXIT_USAGE;
    }
    const pattern = stringFlag(args, 'name');
    if (!toFolder && (pattern !== undefined || booleanFlag(args, 'gz'))) {
      ctx.err(`medinfer convert: --name and --gz are for an output folder; '${output}' is a file name (its extension chooses .nii or .nii.gz)\n`);
      return EXIT_USAGE;
    }
    if (pattern !== undefined) checkNamePattern(pattern);
    const datatype = stringFlag(args, 'datatype');
    if (datatype !== undefined && !VOXEL_TYPES.includes(datatype as VoxelType)) {
      ctx.err(`medinfer convert: --datatype must be one of ${VOXEL_TYPES.join(', ')}, got '${datatype}'\n`);
      return EXIT_USAGE;
    }
    const noSidecar = booleanFlag(args, 'no-sidecar');
    const sidecarLabels = booleanFlag(args, 'sidecar-labels');
    if (noSidecar && sidecarLabels) {
      ctx.err('medinfer convert: --sidecar-labels puts labels into the sidecar that --no-sidecar turns off; give one of them\n');
      return EXIT_USAGE;
    }
    const w: WriteSettings = {
      datatype: datatype as VoxelType | undefined,
      allowNonuniform: booleanFlag(args, 'allow-nonuniform-slices'),
      sidecar: noSidecar ? false : { labels: sidecarLabels },
    };
    const series = stringFlag(args, 'series');
    const r: ReadSettings = {
      maxVoxels: parseMaxVoxels(stringFlag(args, 'max-voxels'), 'convert'),
      // Stored values with their map in scl_slope / scl_inter (as dcm2niix writes them) unless a
      // datatype is asked for, which needs the values themselves.
      keepStoredValues: datatype === undefined,
      seriesLabels: sidecarLabels || (toFolder && patternNeedsLabels(pattern ?? DEFAULT_NAME_PATTERN)),
      progress: stepProgressFromContext(ctx, 'convert: files', booleanFlag(args, 'quiet')),
    };
    try {
      if (toFolder) {
        const failed = await writeFolder(input, output, pattern ?? DEFAULT_NAME_PATTERN, booleanFlag(args, 'gz'), series, r, w, ctx);
        return failed === 0 ? EXIT_OK : EXIT_SOME_FAILED;
      }
      const { group, errors } = await readOneSeries(input, series, r);
      await writeSeries(input, group, output, w, ctx);
      // Files that could not be read are in no output: said, not silently left out.
      for (const { error } of errors) ctx.err(`medinfer convert: warning: not converted: ${error.code}: ${error.message}\n`);
      return EXIT_OK;
    } catch (thrown) {
      const error = typedFailure(thrown, input);
      ctx.err(`medinfer convert: ${error.code}: ${error.message}\n`);
      return EXIT_SOME_FAILED;
    }
  },
};

export { chooseOutputXformCodes } from '../../io/nifti/xform-codes.js';
