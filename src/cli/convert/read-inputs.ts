/**
 * The images `medinfer convert` writes, read from its input (a file or a folder): in memory, or
 * DICOM series parts whose samples are read from their files while the output is written
 * (series-stream.ts: the volume is never held whole), and grouped by series.
 */
import { statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError, UsageError, type MedinferError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { readImageFile, scanImageDirectory } from '../../io/node-read-image.js';
import { readDicomSeriesParts } from '../../io/dicom/series-assemble.js';
import { nonUniformStack } from '../../io/dicom/stack-geometry.js';
import type { StreamedPart, VolumeShell } from '../../io/dicom/series-stream.js';
import { formatMegabytes, type StepProgress } from '../progress-line.js';

/** An image to write: a Volume in memory, or a streamed DICOM series part; `shell` is it without samples either way. */
export interface Output {
  readonly shell: VolumeShell;
  readonly volume?: Volume;
  readonly streamed?: StreamedPart;
}

export interface NamedOutput {
  /** The file (or first file of the series) it was read from. */
  readonly name: string;
  readonly out: Output;
}

export interface ReadSettings {
  readonly maxVoxels: number;
  /** Stored values with their map (no --datatype): DICOM parts that pass through unchanged are streamed. */
  readonly keepStoredValues: boolean;
  /** Put ProtocolName / SeriesDescription into meta (an output name pattern asks for them). */
  readonly seriesLabels: boolean;
  readonly progress?: StepProgress | undefined;
}

const inMemory = (volume: Volume): Output => ({ shell: volume, volume });

/** A stack NIfTI cannot place (meta.sliceDeviationMm from stack-geometry.ts): refuse, naming the way on. */
export function checkUniformSlices(volume: VolumeShell, input: string): void {
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

/** A file or series that was recognised but failed to read (a folder read goes on with the rest). */
export type ReadFailure = { readonly name: string; readonly error: MedinferError };

const named = (part: Volume | StreamedPart): NamedOutput =>
  'stream' in part
    ? { name: String(part.shell.meta.source ?? 'series'), out: { shell: part.shell, streamed: part } }
    : { name: String(part.meta.source ?? 'series'), out: inMemory(part) };

/**
 * Every image of the input, one series at a time: `onSeries` gets each DICOM series' parts
 * together as soon as they are assembled (or streamable), and each NIfTI / raster file as a
 * series of its own, so one series' samples are held at a time. A file input gives one series
 * (every part of one enhanced DICOM file). `series`: only that SeriesInstanceUID (the other
 * series' samples are not read). Resolves the files or series that failed to read.
 */
export async function scanSeries(
  input: string,
  s: ReadSettings,
  series: string | undefined,
  onSeries: (group: NamedOutput[]) => Promise<void>,
): Promise<ScanOutcome> {
  const dicom = { keepStoredValues: s.keepStoredValues, seriesLabels: s.seriesLabels };
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new InputError(`${input}: no such file or directory`, { file: input });
  const name = basename(input);
  if (!info.isDirectory()) {
    let parts: Volume[];
    try {
      // A one-shot process: blocking opens and header reads, as for folders below.
      parts = [await readImageFile(input, { maxVoxels: s.maxVoxels, name, dicom, blockingReads: true })];
    } catch (error) {
      // One enhanced DICOM file holding several parts (e.g. Philips echoes x magnitude / phase).
      if (!(error instanceof InputError) || error.details['cause'] !== 'several-parts') throw error;
      const bytes = new Uint8Array(await readFile(input));
      parts = await readDicomSeriesParts([{ name, bytes }], { maxVoxels: s.maxVoxels, ...dicom });
    }
    const chosen = parts.filter((v) => series === undefined || v.meta.seriesInstanceUid === series);
    if (chosen.length > 0) await onSeries(chosen.map((v) => ({ name, out: inMemory(v) })));
    return { errors: [], skipped: [] };
  }
  // Files read / total and their MB (file sizes; DICOM pixel data is read later, on assembly).
  let bytes = 0;
  const onFile = (path: string, done: number, total: number) => {
    try {
      bytes += statSync(path).size;
    } catch {
      // a file that vanished is reported by the reader; progress just skips its size
    }
    s.progress?.update(done, total, `${formatMegabytes(bytes)} MB`);
  };
  // A one-shot process: blocking file calls read the folder faster (node-file-access.ts). Stored
  // values (no --datatype): DICOM parts whose samples pass through unchanged are streamed from
  // their files into the output instead of being assembled first.
  let progressDone = false;
  const scan = await scanImageDirectory(
    input,
    async ({ name: n, volume }) => {
      // NIfTI / raster files: a series of their own (never the one --series names).
      if (series === undefined) await onSeries([{ name: n, out: inMemory(volume) }]);
    },
    {
      maxVoxels: s.maxVoxels,
      dicom,
      blockingReads: true,
      streamDicomSamples: s.keepStoredValues,
      ...(series === undefined ? {} : { dicomSeriesInstanceUid: series }),
      visitDicomSeries: async (parts) => {
        // Headers are all read before the first series is assembled: progress ends there.
        if (!progressDone) s.progress?.finish();
        progressDone = true;
        await onSeries(parts.map(named));
      },
      ...(s.progress ? { onFile } : {}),
    },
  );
  if (!progressDone) s.progress?.finish();
  return { errors: scan.errors, skipped: scan.skipped };
}

/** What a scan could not turn into images: files that failed (typed) and files that are no image at all. */
export interface ScanOutcome {
  readonly errors: ReadFailure[];
  readonly skipped: readonly string[];
}

/** Names shown of the files a folder holds that are no image (the rest counted). */
const SKIPPED_SHOWN = 3;

/**
 * The error for an input that gave no image and no typed failure: which series was asked for,
 * and what the folder held instead (files that are no image, a few named), so a wrong folder is
 * told from an empty one.
 */
export function noReadableImage(input: string, series: string | undefined, skipped: readonly string[]): InputError {
  const held =
    skipped.length === 0
      ? 'it holds no image files'
      : `${skipped.length} file${skipped.length > 1 ? 's are' : ' is'} not an image (${skipped.slice(0, SKIPPED_SHOWN).join(', ')}` +
        `${skipped.length > SKIPPED_SHOWN ? ', ...' : ''})`;
  return new InputError(`${input}: no readable image${series ? ` with series UID ${series}` : ''}: ${held}`, {
    file: input,
    cause: 'no-image',
    skipped: skipped.length,
  });
}

/** Parts of one DICOM series share its UID; anything else is its own image. */
export function seriesKey(v: VolumeShell, name: string): string {
  return v.meta.seriesInstanceUid ?? name;
}

/**
 * The images grouped by series (parts of a series together, in their order), series ordered by
 * SeriesNumber, then UID, then file name: the same order whichever way the reader handed them
 * over (streamed or in memory), so collision letters are stable from run to run.
 */
export function groupBySeries(images: readonly NamedOutput[]): NamedOutput[][] {
  const groups = new Map<string, NamedOutput[]>();
  for (const image of images) {
    const key = seriesKey(image.out.shell, image.name);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [image]);
    else group.push(image);
  }
  const order = (g: readonly NamedOutput[]): [number, string, string] => {
    const meta = g[0]!.out.shell.meta;
    const n = meta['seriesNumber'];
    return [typeof n === 'number' ? n : Number.MAX_SAFE_INTEGER, meta.seriesInstanceUid ?? '', g[0]!.name];
  };
  return [...groups.values()].sort((a, b) => {
    const [na, ua, fa] = order(a);
    const [nb, ub, fb] = order(b);
    return na - nb || (ua < ub ? -1 : ua > ub ? 1 : 0) || (fa < fb ? -1 : fa > fb ? 1 : 0);
  });
}

/** Whether two direction matrices (columns: world directions of the voxel axes) agree within 1e-4. */
function sameDirections(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, k) => Math.abs(v - b[k]!) <= 1e-4);
}

/** `part` with a stack suffix where dcm2niix puts it: after the echo, before the image component (`_e2` + `_i00001` + `_ph`). */
const withStack = (part: string, stack: string): string => part.replace(/^(_e\d+)?/, (echo) => `${echo}${stack}`);

/**
 * The file-name part of each image of one series: its dcm2niix suffix (meta.part), and where
 * several images of the series share one - stacks of other orientations under one series UID
 * (a 3-plane localiser, navigators) - each also gets dcm2niix's `_i<image number>`
 * (5 digits at least; stack-image-number.ts), so every stack is written, as dcm2niix writes them. Stacks of one orientation,
 * of other image sizes, or without distinct InstanceNumbers cannot be named as dcm2niix names them
 * (its collision letters follow its own order): refused, naming each stack.
 */
export function outputParts(input: string, group: readonly NamedOutput[]): string[] {
  const parts = group.map((i) => (typeof i.out.shell.meta['part'] === 'string' ? (i.out.shell.meta['part'] as string) : ''));
  const result = parts.slice();
  for (const part of new Set(parts)) {
    const members = parts.flatMap((p, k) => (p === part ? [k] : []));
    if (members.length < 2) continue;
    const shells = members.map((k) => group[k]!.out.shell);
    const firsts = shells.map((v) => v.meta['stackImageNumber']);
    const nonParallel = shells.some((v) => !sameDirections(v.geometry.direction, shells[0]!.geometry.direction));
    // dcm2niix gives `_i` only to stacks that differ in nothing it checks first - rows and columns
    // among them (other sizes: its collision letters, in an order of its own).
    const [rows, columns] = shells[0]!.geometry.size;
    const sameSize = shells.every((v) => v.geometry.size[0] === rows && v.geometry.size[1] === columns);
    const named = firsts.every((n) => typeof n === 'number') && new Set(firsts).size === firsts.length;
    if (!nonParallel || !sameSize || !named) {
      const why = !nonParallel ? 'they share one orientation' : !sameSize ? 'their image sizes differ' : 'no distinct InstanceNumbers name them';
      throw severalStacks(
        input,
        members.map((k) => group[k]!),
        why,
      );
    }
    members.forEach((k, m) => {
      result[k] = withStack(part, `_i${String(firsts[m]).padStart(5, '0')}`);
    });
  }
  return result;
}

function severalStacks(input: string, stacks: readonly NamedOutput[], why: string): InputError {
  const listed = stacks.map((i) => `${i.name}: ${i.out.shell.geometry.size.join('x')}${i.out.shell.frames > 1 ? `x${i.out.shell.frames}` : ''}`);
  return new InputError(
    `${input}: series ${seriesKey(stacks[0]!.out.shell, stacks[0]!.name)} holds ${stacks.length} image stacks of different orientation or size ` +
      `(${listed.join('; ')}) and ${why}; put the files of one stack in their own folder and convert that`,
    { file: input, cause: 'several-stacks', stacks: listed },
  );
}

/**
 * The parts of the one series to write to one output path: a folder with several series needs
 * --series (or an output folder instead of a file name). `errors`: files that could not be read
 * beside it (the caller warns: they are in no output).
 */
export async function readOneSeries(input: string, series: string | undefined, s: ReadSettings): Promise<{ group: NamedOutput[]; errors: ReadFailure[] }> {
  const groups: NamedOutput[][] = [];
  const { errors, skipped } = await scanSeries(input, s, series, async (group) => void groups.push(group));
  if (groups.length === 0) {
    const first = errors[0];
    if (first) throw first.error;
    throw noReadableImage(input, series, skipped);
  }
  // A series whose files sit in several groups (other sizes or orientations) is one series here.
  const merged = groupBySeries(groups.flat());
  if (merged.length > 1) {
    const keys = merged.map((g) => seriesKey(g[0]!.out.shell, g[0]!.name));
    throw new UsageError(
      `${input}: the directory holds ${keys.length} images / series; choose one with --series (${keys.join(', ')}), or give an output folder ` +
        'instead of a file name to write them all',
      { file: input },
    );
  }
  return { group: merged[0]!, errors };
}
