/**
 * `medinfer inspect <file|dir>... [--json] [--show-phi]`: what a reader sees in each image.
 * Geometry is reported in the SDK's LPS world (mm). Patient identifiers are printed only with
 * --show-phi (DICOM only; NIfTI and rasters carry none): the report is built from an explicit
 * allow-list of fields, never by dumping reader metadata.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, parseMaxVoxels, stringFlag } from '../args.js';
import { InputError, isMedinferError, type MedinferError } from '../../core/errors.js';
import { axisCodes } from '../../core/geometry.js';
import { volumeStats, type Volume } from '../../core/volume.js';
import { readImageFile, scanImageDirectory } from '../../io/node-read-image.js';
import { summarizeDicomHeader } from '../../io/dicom/header-summary.js';
import { readDicomSeriesParts } from '../../io/dicom/series-assemble.js';

const USAGE = `Usage:
  medinfer inspect <file|dir>... [--json] [--show-phi] [--max-voxels N]

Reads NIfTI (.nii, .nii.gz), DICOM (file or folder of series), PNG and JPEG and prints format, size,
spacing, origin and direction (LPS, mm), data type, components, frames, min / max / mean, modality
and series UID. A directory gives one entry per DICOM series part and one per other image file:
a DICOM series with several echoes / image components gives one entry per part (its dcm2niix
suffix, echo, component and volume count); time / diffusion series are one entry with frames.
  --json          machine-readable output (an array of entries)
  --show-phi      include patient name / ID / birth date (DICOM); off by default
  --max-voxels N  refuse images larger than N voxels (default 2^28)
Exit codes: 0 ok, 1 an input failed (listed on stderr), 2 usage error.`;

const OPTIONS = { json: { type: 'boolean' }, 'show-phi': { type: 'boolean' }, 'max-voxels': { type: 'string' } } as const;

export interface InspectEntry {
  file: string;
  format: string;
  size: number[];
  spacing: number[];
  origin: number[];
  direction: number[];
  orientation: string;
  dtype: string;
  components: number;
  frames: number;
  min: number;
  max: number;
  mean: number;
  modality?: string;
  seriesInstanceUid?: string;
  bitsStored?: number;
  photometric?: string;
  /** Default display window from the file (DICOM), in output units. */
  window?: { center: number; width: number };
  /** NIfTI 4D: time between frames (pixdim[4]) in the file's time unit. */
  timeStep?: number;
  /** DICOM RepetitionTime in ms (the 4D time step convert writes as pixdim[4], in s). */
  repetitionTime?: number;
  /** DICOM series part (echo / image component; dcm2niix suffix, '' for magnitude) and what orders its volumes (frames). */
  part?: { suffix: string; echoNumber?: number; component?: string; volumes: number; volumeIndexAttribute?: string };
  warnings?: string[];
  patient?: { name?: string; id?: string; birthDate?: string };
}

/** Rounds for display without turning -0 / float noise into surprises (9 significant digits). */
function tidy(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Number(x.toPrecision(9));
  return Object.is(r, -0) ? 0 : r;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function describeVolume(file: string, v: Volume, patient?: InspectEntry['patient']): InspectEntry {
  const g = v.geometry;
  const stats = volumeStats(v);
  const entry: InspectEntry = {
    file,
    format: str(v.meta.format) ?? 'unknown',
    size: [...g.size],
    spacing: g.spacing.map(tidy),
    origin: g.origin.map(tidy),
    direction: g.direction.map(tidy),
    orientation: axisCodes(g),
    dtype: v.type,
    components: v.components,
    frames: v.frames,
    min: tidy(stats.min),
    max: tidy(stats.max),
    mean: tidy(stats.mean),
  };
  const modality = str(v.meta.modality);
  if (modality) entry.modality = modality;
  const uid = str(v.meta.seriesInstanceUid);
  if (uid) entry.seriesInstanceUid = uid;
  if (typeof v.meta.bitsStored === 'number') entry.bitsStored = v.meta.bitsStored;
  const photometric = str(v.meta.photometric);
  if (photometric) entry.photometric = photometric;
  if (v.meta.window) entry.window = { center: tidy(v.meta.window.center), width: tidy(v.meta.window.width) };
  const timeStep = (v.meta['nifti'] as { timeStep?: unknown } | undefined)?.timeStep;
  if (v.frames > 1 && typeof timeStep === 'number' && timeStep > 0) entry.timeStep = tidy(timeStep);
  if (v.meta.format === 'dicom' && typeof v.meta['repetitionTime'] === 'number') entry.repetitionTime = tidy(v.meta['repetitionTime']);
  if (typeof v.meta['part'] === 'string') {
    const m = v.meta;
    entry.part = { suffix: m['part'] as string, volumes: v.frames };
    if (typeof m['echoNumber'] === 'number') entry.part.echoNumber = m['echoNumber'];
    if (typeof m['imageComponent'] === 'string') entry.part.component = m['imageComponent'];
    if (typeof m['volumeIndexAttribute'] === 'string') entry.part.volumeIndexAttribute = m['volumeIndexAttribute'];
  }
  if (v.meta.warnings?.length) entry.warnings = [...v.meta.warnings];
  if (patient) entry.patient = patient;
  return entry;
}

function formatEntry(e: InspectEntry): string {
  const v3 = (a: number[]): string => `[${a.join(', ')}]`;
  const lines = [
    `${e.file}`,
    `  format      ${e.format}${e.bitsStored ? ` (${e.bitsStored}-bit)` : ''}`,
    `  size        ${e.size.join(' x ')}${e.frames > 1 ? ` x ${e.frames} frames` : ''}${e.components > 1 ? `, ${e.components} components` : ''}`,
    `  spacing     ${v3(e.spacing)} mm`,
    `  origin      ${v3(e.origin)} mm (LPS)`,
    `  direction   ${v3(e.direction.slice(0, 3))} ${v3(e.direction.slice(3, 6))} ${v3(e.direction.slice(6, 9))} (rows, LPS; axes ${e.orientation})`,
    `  dtype       ${e.dtype}`,
    `  min/max     ${e.min} / ${e.max}, mean ${e.mean}`,
  ];
  if (e.modality) lines.push(`  modality    ${e.modality}${e.photometric ? ` (${e.photometric})` : ''}`);
  if (e.window) lines.push(`  window      centre ${e.window.center}, width ${e.window.width}`);
  if (e.timeStep !== undefined) lines.push(`  time step   ${e.timeStep} (pixdim[4])`);
  if (e.repetitionTime !== undefined) lines.push(`  TR          ${e.repetitionTime} ms`);
  if (e.seriesInstanceUid) lines.push(`  series UID  ${e.seriesInstanceUid}`);
  if (e.part) {
    const p = e.part;
    const what = [p.echoNumber === undefined ? undefined : `echo ${p.echoNumber}`, p.component].filter(Boolean).join(', ');
    lines.push(
      `  part        '${p.suffix}'${what ? ` (${what})` : ''}, ${p.volumes} ` +
        `volume${p.volumes > 1 ? 's' : ''}${p.volumeIndexAttribute && p.volumes > 1 ? ` ordered by ${p.volumeIndexAttribute}` : ''}`,
    );
  }
  if (e.patient) lines.push(`  patient     name ${e.patient.name ?? '-'}, id ${e.patient.id ?? '-'}, birth date ${e.patient.birthDate ?? '-'}`);
  for (const w of e.warnings ?? []) lines.push(`  warning     ${w}`);
  return lines.join('\n');
}

// Moved to args.ts (convert need not load inspect's modules); re-exported for existing importers.
export { parseMaxVoxels };

/**
 * Patient identifiers of a DICOM volume, read from its (first) file only on --show-phi. Readers
 * never put them in Volume.meta, so this is the only path by which they can reach the output.
 */
async function readPatient(v: Volume, path: string): Promise<InspectEntry['patient']> {
  if (v.meta.format !== 'dicom') return undefined;
  const bytes = new Uint8Array(await readFile(path));
  return summarizeDicomHeader(bytes, { name: basename(path), showPhi: true }).patient ?? {};
}

function findFirstFile(dir: string, v: Volume): string | undefined {
  const files = v.meta['files'];
  return Array.isArray(files) && typeof files[0] === 'string' ? join(dir, files[0]) : undefined;
}

interface Collected {
  entries: InspectEntry[];
  failures: { file: string; error: MedinferError }[];
}

async function collect(target: string, maxVoxels: number, showPhi: boolean, out: Collected): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) {
    // Visit one image at a time: a folder of large volumes never sits in memory at once.
    const scan = await scanImageDirectory(
      target,
      async ({ name, volume }) => {
        const first = showPhi ? findFirstFile(target, volume) : undefined;
        const patient = first ? await readPatient(volume, first) : undefined;
        out.entries.push(describeVolume(join(target, name), volume, patient));
      },
      { maxVoxels },
    );
    for (const { name, error } of scan.errors) out.failures.push({ file: join(target, name), error });
    return;
  }
  try {
    for (const volume of await readFileParts(target, maxVoxels))
      out.entries.push(describeVolume(target, volume, showPhi ? await readPatient(volume, target) : undefined));
  } catch (error) {
    if (!isMedinferError(error)) throw error;
    out.failures.push({ file: target, error });
  }
}

/** One image, or every part of a DICOM file that holds several (echoes, magnitude / phase). */
async function readFileParts(target: string, maxVoxels: number): Promise<Volume[]> {
  try {
    return [await readImageFile(target, { maxVoxels, name: basename(target) })];
  } catch (error) {
    if (!(error instanceof InputError) || error.details['cause'] !== 'several-parts') throw error;
    return readDicomSeriesParts([{ name: basename(target), bytes: new Uint8Array(await readFile(target)) }], { maxVoxels });
  }
}

export const command: CliCommand = {
  name: 'inspect',
  summary: 'show format, geometry (LPS), type and intensity stats of images',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'inspect');
    if (args.positionals.length === 0) {
      ctx.err(`medinfer inspect: missing <file|dir>\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const maxVoxels = parseMaxVoxels(stringFlag(args, 'max-voxels'), 'inspect');
    const showPhi = booleanFlag(args, 'show-phi');
    const found: Collected = { entries: [], failures: [] };
    for (const target of args.positionals) await collect(target, maxVoxels, showPhi, found);
    if (booleanFlag(args, 'json')) ctx.out(JSON.stringify(found.entries, null, 2) + '\n');
    else if (found.entries.length > 0) ctx.out(found.entries.map(formatEntry).join('\n\n') + '\n');
    for (const f of found.failures) ctx.err(`medinfer inspect: ${f.error.code}: ${f.error.message}\n`);
    return found.failures.length > 0 ? EXIT_SOME_FAILED : EXIT_OK;
  },
};
