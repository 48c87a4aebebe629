/** Test helpers: fixture loading and the hash format written by scripts/reference/dicom/compute-reference.py. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TypedArray } from '../../../src/core/dtype.js';
import { isMedinferError, type MedinferError } from '../../../src/core/errors.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'dicom');

export interface ValueSummary {
  sha256: string;
  first: number[];
  min: number;
  max: number;
  mean: number;
  count: number;
}

export interface FileReference {
  file: string;
  error?: string;
  transferSyntax: string;
  photometric: string;
  modality: string;
  seriesInstanceUid: string | null;
  window: { center: number; width: number } | null;
  size: [number, number, number];
  components: number;
  bitsStored: number;
  raw: ValueSummary & { dtype: string };
  lut?: ValueSummary & { dtype: string };
  geometry: { origin: number[]; spacing: (number | null)[]; direction: number[] } | null;
  dcm2niix?: { corners: { world: number[] }[]; voxelSizes: number[] };
}

export interface SeriesReference {
  folder: string;
  fileOrder: string[];
  size: [number, number, number];
  dtype: string;
  values: ValueSummary;
  pydicom: { origin: number[]; spacing: number[]; direction: number[] };
  dcm2niix: { corners: { world: number[]; value: number }[]; voxelSizes: number[] };
}

export interface Reference {
  files: FileReference[];
  series: SeriesReference[];
}

export function loadReference(): Reference {
  return JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as Reference;
}

export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, rel)));
}

export function folderFiles(rel: string): { name: string; bytes: Uint8Array }[] {
  const dir = join(FIXTURES, rel);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
}

/** sha256 of the values as float64 little-endian (the reference format; dtype independent). */
export function hashValues(data: TypedArray): string {
  const f64 = Float64Array.from(data as ArrayLike<number>);
  return createHash('sha256').update(new Uint8Array(f64.buffer)).digest('hex');
}

export function summarize(data: TypedArray): Omit<ValueSummary, 'sha256'> {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { first: Array.from(data.subarray(0, 8) as ArrayLike<number>), min, max, mean: sum / data.length, count: data.length };
}

/**
 * The same bytes as a view at an odd offset inside a bigger buffer, as reading by path gives
 * (fs.readFile Buffers are views into a shared pool; Buffer.slice is a view too). Surrounding
 * bytes are 0xA5 so a decoder that reads `view.buffer` whole sees garbage, not zeros.
 */
export function oddOffsetView(bytes: Uint8Array, offset = 3, asBuffer = false): Uint8Array {
  const pad = 0xa5;
  if (asBuffer) {
    const big = Buffer.alloc(bytes.length + offset + 5, pad);
    big.set(bytes, offset);
    return big.subarray(offset, offset + bytes.length);
  }
  const big = new Uint8Array(bytes.length + offset + 5).fill(pad);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

/** The error `p` rejects with, asserted to be one of the SDK's typed errors (a fulfilled `p` fails the test). */
export async function failure(p: Promise<unknown>): Promise<MedinferError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMedinferError(err), `expected a MedinferError, got ${String(err)}`).toBe(true);
  return err as MedinferError;
}
