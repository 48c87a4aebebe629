/** What a task writer hands back: files (relative names) plus the flat row and log extras. */
import { gzipSync } from 'node:zlib';
import type { Volume } from '../../../core/volume.js';
import { writeNifti } from '../../../io/nifti/write-nifti.js';
import { writePng } from '../../../io/raster/node-raster.js';
import type { RgbImage } from '../render-overlay.js';
import type { ResultLine } from '../types.js';

export interface OutputFile {
  /** File name inside the output folder (already derived from the sanitised stem). */
  readonly name: string;
  readonly bytes: Uint8Array | string;
}

export interface TaskOutputs {
  readonly files: OutputFile[];
  readonly summary: ResultLine['summary'];
  readonly candidates?: ResultLine['candidates'];
  readonly warnings: readonly string[];
  readonly provenance: unknown;
}

/** JSON with typed arrays as plain arrays (Float32Array would otherwise become an object). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 2) + '\n';
}

export function niftiGz(volume: Volume): Uint8Array {
  return writeNifti(volume, { gzip: true, compress: (b) => gzipSync(b, { level: 6 }) });
}

export function pngOf(img: RgbImage): Promise<Uint8Array> {
  return writePng({ data: img.data, width: img.width, height: img.height, channels: 3 });
}

export function rounded(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}
