/** Loads the committed reference fixtures written by scripts/reference/postprocess/make_fixtures.py. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/postprocess/', import.meta.url));

interface ArrayMeta {
  file: string;
  dtype: string;
  shape: number[];
}

interface ReferenceMeta {
  arrays: Record<string, ArrayMeta>;
  values: Record<string, unknown>;
}

export const reference = JSON.parse(readFileSync(DIR + 'reference.json', 'utf8')) as ReferenceMeta;

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
} as const;

type Dtype = keyof typeof CTORS;

export function loadArray<D extends Exclude<Dtype, 'int64'>>(name: string, dtype: D): InstanceType<(typeof CTORS)[D]> {
  const meta = reference.arrays[name];
  if (!meta) throw new Error(`no reference array ${name}`);
  if (meta.dtype !== dtype) throw new Error(`reference array ${name} is ${meta.dtype}, not ${dtype}`);
  const bytes = readFileSync(DIR + meta.file);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new CTORS[dtype](copy.buffer) as InstanceType<(typeof CTORS)[D]>;
}

export function shapeOf(name: string): number[] {
  const meta = reference.arrays[name];
  if (!meta) throw new Error(`no reference array ${name}`);
  return meta.shape;
}

export function value<T>(name: string): T {
  if (!(name in reference.values)) throw new Error(`no reference value ${name}`);
  return reference.values[name] as T;
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d;
  }
  return m;
}
