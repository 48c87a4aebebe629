/** What a task writer hands back: files (relative names) plus the flat row and log extras. */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Volume } from '../../../core/volume.js';
import { writeNifti } from '../../../io/nifti/write-nifti.js';
import { chooseOutputXformCodes } from '../../../io/nifti/xform-codes.js';
import { writePng } from '../../../io/raster/node-raster.js';
import type { RgbImage } from '../render-overlay.js';
import type { ResultLine } from '../types.js';

/** A file of one item: its bytes, or `written` when the task wrote it itself while it ran (a streamed label map). */
export type OutputFile = {
  /** File name inside the output folder (already derived from the sanitised stem). */
  readonly name: string;
} & ({ readonly bytes: Uint8Array | string } | { readonly written: true });

export interface TaskOutputs {
  readonly files: OutputFile[];
  readonly summary: ResultLine['summary'];
  readonly candidates?: ResultLine['candidates'];
  readonly warnings: readonly string[];
  readonly provenance: unknown;
}

/** JSON with typed arrays as plain arrays (Float32Array would otherwise become an object). */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 2) + '\n'
  );
}

const gzipAsync = promisify(gzip);

/**
 * .nii.gz bytes. Compression runs on libuv's thread pool (zlib's async API), not on the JS thread
 * that the other inputs' preprocessing and onnxruntime-node's (synchronous) session.run share.
 * A .nii.gz is exactly the gzip of the .nii stream, so this equals writeNifti({ gzip: true }).
 * A result of a NIfTI input keeps the input's sform / qform codes (meta.nifti, xform-codes.ts).
 */
export async function niftiGz(volume: Volume): Promise<Uint8Array> {
  const packed = await gzipAsync(writeNifti(volume, chooseOutputXformCodes(volume)), { level: 6 });
  return new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength);
}

export function pngOf(img: RgbImage): Promise<Uint8Array> {
  return writePng({ data: img.data, width: img.width, height: img.height, channels: 3 });
}

export function rounded(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}
