/**
 * Node: read any supported image file (NIfTI .nii/.nii.gz, DICOM, PNG, JPEG, TIFF, WebP) into a
 * Volume, choosing the reader from the file's leading bytes (the extension is only a tie-breaker
 * for DICOM files without the 128-byte preamble). NIfTI gzip goes through zlib here (about 2x
 * faster than the isomorphic fflate path).
 */
import { basename, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DecodeError, InputError, isMedinferError, UnsupportedError, type MedinferError } from '../core/errors.js';
import type { ByteAllocator, SampleAllocator } from '../core/sample-scratch.js';
import type { Volume } from '../core/volume.js';
import { readNiftiSync } from './nifti/read-nifti.js';
import { detectNiftiVersion, NIFTI2_HEADER_BYTES } from './nifti/nifti-header.js';
import { isGzip, peekGunzip } from './nifti/nifti-gzip.js';
import { readRasterWith } from './raster/node-raster.js';
import { readDicom } from './dicom/read-dicom.js';
import type { DicomReadOptions } from './dicom/options.js';
import { FIRST_READ, listFolder, readDicomFilesOf } from './dicom/node-files.js';
import { readDicomFile, type OpenedDicomFile } from './dicom/node-read-file.js';
import { openFile, readFully, readRestOfFile, readWholeFile } from './dicom/node-file-access.js';
import type { StreamedPart } from './dicom/series-stream.js';

// Re-exported so the Node entry needs one line for all Node-only image I/O.
export { readRaster, writePng, type ReadRasterOptions, type RasterPixels } from './raster/node-raster.js';

export type ImageFileFormat = 'nifti' | 'dicom' | 'png' | 'jpeg' | 'tiff' | 'webp' | 'analyze';

export interface ReadImageFileOptions {
  /** Name for errors and meta.source (default: the file's base name). Never a patient identifier. */
  name?: string;
  /** Refuse images with more voxels than this, checked from the header before allocating. */
  maxVoxels?: number;
  /** Further options for DICOM input (part selection, Philips scaling, keepStoredValues, ...). */
  dicom?: Omit<DicomReadOptions, 'name' | 'maxVoxels'>;
  /**
   * Open, stat, read the header and close with blocking calls (bulk sample reads still go through
   * the thread pool): less time per file on a busy machine, but the event loop waits on the file
   * system - a network share can stall it. For one-shot processes; leave it off in servers.
   */
  blockingReads?: boolean;
}

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  return bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
}

/** Format from leading bytes (and the name as a hint); undefined when nothing matches. */
export function detectImageFormat(bytes: Uint8Array, name = ''): ImageFileFormat | undefined {
  if (startsWith(bytes, [0x44, 0x49, 0x43, 0x4d], 128)) return 'dicom';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  const head = isGzip(bytes) ? safePeek(bytes) : bytes;
  const version = detectNiftiVersion(head);
  if (version) {
    // Cut short inside the header: the NIfTI reader reports it as truncated (not as Analyze).
    if (head.length < (version.version === 1 ? 348 : 540)) return 'nifti';
    const magic = String.fromCharCode(...head.subarray(344, 347));
    const magic2 = String.fromCharCode(...head.subarray(4, 7));
    return magic === 'n+1' || magic === 'ni1' || magic2 === 'n+2' ? 'nifti' : 'analyze';
  }
  if (/\.img$/i.test(name)) return 'analyze';
  // DICOM without preamble (old implicit-VR files) usually starts with a group 0x0008 element.
  if (/\.(dcm|dicom|ima)$/i.test(name) || (bytes.length > 8 && bytes[0] === 0x08 && bytes[1] === 0x00)) return 'dicom';
  return undefined;
}

function safePeek(bytes: Uint8Array): Uint8Array {
  try {
    return peekGunzip(bytes, NIFTI2_HEADER_BYTES, 'gzip');
  } catch {
    return new Uint8Array(0);
  }
}

/** zlib, bounded: throws (and the reader falls back to its streaming prefix read) past maxOutputLength. */
function nodeGunzip(bytes: Uint8Array, maxOutputLength: number): Uint8Array {
  const out = gunzipSync(bytes, { maxOutputLength });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decodes bytes already in memory; the caller keeps ownership (they are neither kept nor modified). */
export async function readImageBytes(bytes: Uint8Array, options: ReadImageFileOptions & { name: string }): Promise<Volume> {
  return decodeImageBytes(bytes, options, false);
}

/**
 * `owned`: the bytes were read for this call alone, so a NIfTI volume may use them in place and a
 * PNG's image data may be moved together inside them.
 * `allocateSamples`: where a PNG is inflated (a pipeline's reused buffer; default fresh memory).
 */
async function decodeImageBytes(
  bytes: Uint8Array,
  options: ReadImageFileOptions & { name: string },
  owned: boolean,
  allocateSamples?: SampleAllocator,
): Promise<Volume> {
  const { name } = options;
  const format = detectImageFormat(bytes, name);
  const limits = options.maxVoxels === undefined ? {} : { maxVoxels: options.maxVoxels };
  switch (format) {
    case 'nifti':
      return readNiftiSync(bytes, { name, gunzip: nodeGunzip, inPlace: owned, ...limits });
    case 'dicom':
      return readDicom(bytes, { ...options.dicom, name, ...limits });
    case 'png':
    case 'jpeg':
    case 'tiff':
    case 'webp':
      return readRasterWith(bytes, { name, ...limits }, { ownsBytes: owned, ...(allocateSamples === undefined ? {} : { allocate: allocateSamples }) });
    case 'analyze':
      throw new UnsupportedError(`${name}: Analyze 7.5 (.hdr/.img) is not supported: it has no reliable orientation; convert it to NIfTI first`, {
        file: name,
        format: 'analyze',
      });
    default:
      throw new DecodeError(`${name}: unrecognised image format (not NIfTI, DICOM, PNG, JPEG, TIFF or WebP)`, { file: name });
  }
}

/**
 * Names whose files are read whole (open, size, one read, close): formats read from memory. A
 * DICOM file under such a name is still recognised by its bytes, and read from memory.
 */
const WHOLE_FILE_NAMES = /\.(png|jpe?g|tiff?|webp|nii|gz|hdr|img)$/i;

/**
 * A file's first bytes (FIRST_READ, the DICOM header reader's first read) through one open:
 * DICM at 128 leaves the file open for the header-first DICOM read (samples straight into the
 * volume); anything else is read on to its end. Four thread-pool round trips for a DICOM file
 * (open, head, samples, close) where a separate marker probe made seven.
 */
async function openAndProbe(path: string, blocking: boolean): Promise<{ dicom: OpenedDicomFile } | { bytes: Uint8Array }> {
  const file = await openFile(path, blocking);
  let handedOver = false;
  try {
    const head = new Uint8Array(FIRST_READ);
    const filled = await readFully(file, 0, head);
    if (filled >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d) {
      handedOver = true;
      return { dicom: { file, head: head.subarray(0, filled) } };
    }
    return { bytes: filled < head.length ? head.subarray(0, filled) : await readRestOfFile(file, head) };
  } finally {
    if (!handedOver) await file.close();
  }
}

export async function readImageFile(path: string, options: ReadImageFileOptions = {}): Promise<Volume> {
  return readImageFileWith(path, options);
}

/**
 * readImageFile, with `allocateSamples` for the samples a DICOM file's native pixel data is read
 * straight into, or a PNG is inflated into, and `allocateBytes` for a file read whole (a pipeline's
 * reused buffers, core/sample-scratch.ts; default: fresh memory). Internal: the caller must not let
 * the volume outlive its own use of the buffers (a NIfTI volume may view the file's bytes).
 */
export async function readImageFileWith(
  path: string,
  options: ReadImageFileOptions,
  allocateSamples?: SampleAllocator,
  allocateBytes?: ByteAllocator,
): Promise<Volume> {
  const name = options.name ?? basename(path);
  const blocking = options.blockingReads === true;
  let read: { dicom: OpenedDicomFile } | { bytes: Uint8Array };
  try {
    read = WHOLE_FILE_NAMES.test(path) ? { bytes: await readWholeFile(path, blocking, allocateBytes) } : await openAndProbe(path, blocking);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new InputError(`${name}: cannot read file (${code})`, { file: name, errno: code }, { cause: error });
  }
  if ('dicom' in read) {
    const limits = options.maxVoxels === undefined ? {} : { maxVoxels: options.maxVoxels };
    return readDicomFile(path, { ...options.dicom, name, ...limits }, blocking, read.dicom, allocateSamples);
  }
  return decodeImageBytes(read.bytes, { ...options, name }, true, allocateSamples);
}

export interface ImageDirectoryEntry {
  /** Path relative to the directory (or the series' first file for DICOM). */
  name: string;
  volume: Volume;
}

export interface ImageDirectoryResult {
  /** One entry per NIfTI / raster file and one per DICOM series, in path order. */
  images: ImageDirectoryEntry[];
  /** Files (or DICOM series) that were recognised but failed to read. */
  errors: { name: string; error: MedinferError }[];
  /** Files that are not images at all (no recognised signature). */
  skipped: string[];
  /** With streamDicomSamples: DICOM series parts streamed to a writer instead of read here (ImageDirectoryScan.streamed). */
  streamed: { name: string; part: StreamedPart }[];
}

function asMedinferError(error: unknown, name: string): MedinferError {
  if (isMedinferError(error)) return error;
  return new DecodeError(`${name}: ${(error as Error).message ?? String(error)}`, { file: name }, { cause: error });
}

export interface ImageDirectoryScan {
  /** Files (or DICOM series) that were recognised but failed to read. */
  errors: { name: string; error: MedinferError }[];
  /** Files that are not images at all (no recognised signature). */
  skipped: string[];
  /** With streamDicomSamples: DICOM series parts whose samples are read as a writer streams them (not visited). */
  streamed: { name: string; part: StreamedPart }[];
}

export type ImageDirectoryOptions = Omit<ReadImageFileOptions, 'name'> & {
  /** Progress: called after each file was read (DICOM: its header), with its path and `done` of `total` files. */
  onFile?: (path: string, done: number, total: number) => void;
  /** DICOM files are read with blocking file calls (readDicomDirectory's blockingReads: one-shot processes only). */
  blockingReads?: boolean;
  /** DICOM series parts that can be streamed to a writer come back in `streamed` (readDicomDirectory's streamSamples: one-shot writers). */
  streamDicomSamples?: boolean;
  /** Only this DICOM series (readDicomDirectory's seriesInstanceUid: the others' samples are not read); other images are still visited. */
  dicomSeriesInstanceUid?: string;
  /**
   * Each DICOM series' parts together, as soon as they are assembled (readDicomDirectory's
   * onSeries), instead of `visit` per part and `streamed`: one series' samples held at a time.
   */
  visitDicomSeries?: (parts: readonly (Volume | StreamedPart)[]) => void | Promise<void>;
};

/**
 * Visits every image under a directory, one at a time, so a caller that only summarises (inspect)
 * never holds more than one NIfTI / raster volume: per file for NIfTI / raster, per series for
 * DICOM. The DICOM files are exactly those the DICOM folder reader lists (DICM marker or
 * .dcm/.dicom/.ima); that reader groups them into series (UID + orientation + size) and orders
 * the slices.
 */
export async function scanImageDirectory(
  dir: string,
  visit: (entry: ImageDirectoryEntry) => void | Promise<void>,
  options: ImageDirectoryOptions = {},
): Promise<ImageDirectoryScan> {
  const { onFile, blockingReads, streamDicomSamples, dicomSeriesInstanceUid, visitDicomSeries, ...readOptions } = options;
  options = readOptions;
  const result: ImageDirectoryScan = { errors: [], skipped: [], streamed: [] };
  // One walk gives both lists (DICOM files, and every other regular file for the other readers).
  const { dicom: dicomPaths, others } = await listFolder(dir, blockingReads === true);
  let done = 0;
  for (const path of others) {
    const name = relative(dir, path);
    let bytes: Uint8Array;
    try {
      bytes = await readWholeFile(path, false);
    } catch (error) {
      result.errors.push({ name, error: new InputError(`${name}: cannot read file (${(error as NodeJS.ErrnoException).code ?? 'EIO'})`, { file: name }) });
      continue;
    } finally {
      onFile?.(path, ++done, others.length + dicomPaths.length);
    }
    if (detectImageFormat(bytes, name) === undefined) {
      result.skipped.push(name);
      continue;
    }
    let volume: Volume;
    try {
      volume = await decodeImageBytes(bytes, { ...options, name }, true);
    } catch (error) {
      result.errors.push({ name, error: asMedinferError(error, name) });
      continue;
    }
    await visit({ name, volume });
  }
  if (dicomPaths.length > 0) {
    const dicom = await readDicomFilesOf(dir, dicomPaths, {
      ...options.dicom,
      ...(options.maxVoxels === undefined ? {} : { maxVoxels: options.maxVoxels }),
      ...(blockingReads === undefined ? {} : { blockingReads }),
      ...(streamDicomSamples === undefined ? {} : { streamSamples: streamDicomSamples }),
      ...(dicomSeriesInstanceUid === undefined ? {} : { seriesInstanceUid: dicomSeriesInstanceUid }),
      ...(visitDicomSeries === undefined ? {} : { onSeries: visitDicomSeries }),
      ...(onFile ? { onFile: (path: string, n: number, total: number) => onFile(path, others.length + n, others.length + total) } : {}),
    });
    for (const volume of dicom.series) await visit({ name: String(volume.meta.source ?? 'series'), volume });
    for (const part of dicom.streamed) result.streamed.push({ name: String(part.shell.meta.source ?? 'series'), part });
    for (const { file, error } of dicom.errors) result.errors.push({ name: file, error });
  }
  return result;
}

/** All images under a directory in memory at once (see scanImageDirectory to visit them one by one). */
export async function readImageDirectory(dir: string, options: ImageDirectoryOptions = {}): Promise<ImageDirectoryResult> {
  const images: ImageDirectoryEntry[] = [];
  const scan = await scanImageDirectory(dir, (entry) => void images.push(entry), options);
  return { images, ...scan };
}
