/**
 * Browser image loading: File / Blob / ArrayBuffer / URL -> Volume. DICOM and NIfTI go through
 * the isomorphic readers; 8-bit PNG / JPEG through createImageBitmap + OffscreenCanvas; 16-bit
 * PNG at full depth through fast-png (raster/png16.ts: a canvas would cut it to 8 bits). PNG
 * sizes are checked against maxVoxels from the header first. A folder drop of DICOM files becomes
 * one series.
 */
import { DecodeError, InputError, UnsupportedError } from '../../core/errors.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { readDicom } from '../dicom/read-dicom.js';
import type { DicomCodecLoaders } from '../dicom/codecs/codec-loaders.js';
import { readDicomSeries } from '../dicom/series-assemble.js';
import { readNifti } from '../nifti/read-nifti.js';
import { fetchWithProgress } from '../../runtime/fetch-bytes.js';
import { sniffImageFormat } from './sniff-format.js';
import { checkPngSize, decodePng16, readPngHeader } from '../raster/png16.js';

export type BrowserImageSource = Blob | File | ArrayBuffer | Uint8Array | string | { readonly name: string; readonly bytes: Uint8Array };

export interface BrowserReadOptions {
  readonly name?: string;
  readonly maxVoxels?: number;
  /** Loaders for the wasm DICOM codecs this app serves (compressed transfer syntaxes). */
  readonly codecs?: DicomCodecLoaders;
}

/** A download bound from maxVoxels: 8 bytes a sample (float64) plus 16 MiB of headers. */
function fetchLimit(maxVoxels: number | undefined): { maxBytes?: number } {
  return maxVoxels === undefined ? {} : { maxBytes: maxVoxels * 8 + 16 * 2 ** 20 };
}

async function toBytes(source: BrowserImageSource, maxVoxels?: number): Promise<{ name: string; bytes: Uint8Array }> {
  if (typeof source === 'string') return { name: source.split('/').pop() ?? source, bytes: await fetchWithProgress(source, undefined, fetchLimit(maxVoxels)) };
  if (source instanceof Uint8Array) return { name: 'bytes', bytes: source };
  if (source instanceof ArrayBuffer) return { name: 'bytes', bytes: new Uint8Array(source) };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const name = 'name' in source && typeof source.name === 'string' ? source.name : 'blob';
    return { name, bytes: new Uint8Array(await source.arrayBuffer()) };
  }
  const named = source as { readonly name: string; readonly bytes: Uint8Array };
  return { name: named.name, bytes: named.bytes };
}

/** PNG / JPEG via the browser's decoder; grey when R = G = B everywhere, else RGB. */
async function readRasterInBrowser(bytes: Uint8Array, name: string): Promise<Volume> {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas === 'undefined') {
    throw new UnsupportedError(`${name}: PNG/JPEG decoding needs createImageBitmap and OffscreenCanvas`, { file: name });
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes.slice().buffer as ArrayBuffer]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw new DecodeError(`${name}: the browser could not decode this image`, { file: name }, { cause: error });
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new UnsupportedError(`${name}: no 2D canvas context`, { file: name });
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const n = bitmap.width * bitmap.height;
  let grey = true;
  for (let p = 0; p < n && grey; p++) grey = rgba[4 * p] === rgba[4 * p + 1] && rgba[4 * p] === rgba[4 * p + 2];
  const data = new Uint8Array(grey ? n : 3 * n);
  for (let p = 0; p < n; p++) {
    if (grey) data[p] = rgba[4 * p]!;
    else for (let c = 0; c < 3; c++) data[3 * p + c] = rgba[4 * p + c]!;
  }
  const format = bytes[0] === 0x89 ? 'png' : 'jpeg';
  return createVolume({
    geometry: { size: [bitmap.width, bitmap.height, 1] },
    data,
    components: grey ? 1 : 3,
    meta: { modality: 'OT', source: name, format, bitsStored: 8 },
  });
}

export async function readImageInBrowser(source: BrowserImageSource, options: BrowserReadOptions = {}): Promise<Volume> {
  const { name: sourceName, bytes } = await toBytes(source, options.maxVoxels);
  const name = options.name ?? sourceName;
  const limits = options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {};
  switch (sniffImageFormat(bytes, name)) {
    case 'dicom':
      return readDicom(bytes, { name, ...limits, ...(options.codecs ? { codecs: options.codecs } : {}) });
    case 'nifti':
      return readNifti(bytes, { name, ...limits });
    case 'png': {
      const header = readPngHeader(bytes, name);
      checkPngSize(header, name, options.maxVoxels);
      return header.bitDepth === 16 ? decodePng16(bytes, name) : readRasterInBrowser(bytes, name);
    }
    case 'jpeg':
      return readRasterInBrowser(bytes, name);
    default:
      throw new InputError(`${name}: not a DICOM, NIfTI, PNG or JPEG file`, { file: name });
  }
}

/** A folder drop: every DICOM file of one series -> one Volume (slices sorted along the normal). */
export async function readDicomFilesInBrowser(
  files: readonly (File | { name: string; bytes: Uint8Array })[],
  options: BrowserReadOptions = {},
): Promise<Volume> {
  const inputs = await Promise.all(files.map(toBytes));
  return readDicomSeries(inputs, {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}),
    ...(options.codecs ? { codecs: options.codecs } : {}),
  });
}
