/**
 * 3D connected-component labelling (6 = face, 26 = face/edge/corner connectivity; a single slice
 * with k = 1 gives 4 / 8 connectivity). Run-based two-pass algorithm: each row along i is cut into
 * runs, runs of neighbouring rows that touch are merged with union-find over run indices (roots
 * are always the earliest run, so components are numbered 1..n in order of their first voxel in
 * memory order, i fastest - the raster order scipy.ndimage.label uses on the (k, j, i) array).
 * Work and memory scale with the number of runs, not voxels, which makes 512x512x300 masks cheap.
 *
 * `labelComponentRuns` runs the three passes in sequence over shared run arrays and stops at the
 * runs: filters that only keep or erase whole components (component-filters.ts) work on those
 * and never allocate the int32 id per voxel (64 MB on a 256^3 brain) that
 * `labelConnectedComponents` paints from them.
 *
 * `by: 'value'` connects only equal non-zero values (a label map labelled per label in one pass,
 * the "independent" mode of MONAI KeepLargestConnectedComponent).
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { assertNoNaN } from '../common/checks.js';

export type Connectivity = 6 | 26;

export interface ComponentOptions {
  /** Default 26 (scipy's default is 6; MONAI's connectivity=None is full, i.e. 26). */
  connectivity?: Connectivity;
  /** 'foreground' (default): any non-zero voxel; 'value': only equal non-zero values connect. */
  by?: 'foreground' | 'value';
}

export interface ComponentLabels {
  /** Component id per voxel (0 = background), same layout as the input. */
  readonly labels: Int32Array;
  readonly count: number;
  /** Voxel count per component id; sizes[0] = 0. */
  readonly sizes: Float64Array;
  /** Input value of each component (values[0] = 0). */
  readonly values: Float64Array;
}

interface Runs {
  start: Int32Array;
  end: Int32Array;
  value: Float64Array;
  count: number;
}

function growRuns(r: Runs): void {
  const size = r.start.length * 2;
  const start = new Int32Array(size);
  start.set(r.start);
  const end = new Int32Array(size);
  end.set(r.end);
  const value = new Float64Array(size);
  value.set(r.value);
  r.start = start;
  r.end = end;
  r.value = value;
}

export function checkConnectivity(connectivity: unknown): Connectivity {
  if (connectivity !== 6 && connectivity !== 26)
    throw new UsageError(`connectivity must be 6 or 26, got ${String(connectivity)}`, { field: 'connectivity', expected: '6 | 26', received: connectivity });
  return connectivity;
}

/** Components as runs along i: run r of row (j + nj * k) covers i in [start[r], end[r]). */
export interface ComponentRuns {
  /** Runs of row `row` are [rowFirst[row], rowFirst[row + 1]). */
  readonly rowFirst: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Component id (1..count) of each run, ids in order of each component's first voxel. */
  readonly runLabel: Int32Array;
  readonly count: number;
  /** Voxel count per component id; sizes[0] = 0. */
  readonly sizes: Float64Array;
  /** Input value of each component (values[0] = 0). */
  readonly values: Float64Array;
  /** Voxels per row (size i). */
  readonly rowLength: number;
}

export function labelConnectedComponents(data: TypedArray, size: readonly number[], options: ComponentOptions = {}): ComponentLabels {
  const cc = labelComponentRuns(data, size, options);
  const { rowFirst, start, end, runLabel, rowLength } = cc;
  const labels = new Int32Array(data.length);
  for (let row = 0; row + 1 < rowFirst.length; row++) {
    const base = row * rowLength;
    for (let r = rowFirst[row]!; r < rowFirst[row + 1]!; r++) {
      const id = runLabel[r]!;
      const a = base + start[r]!;
      const b = base + end[r]!;
      // Native fill only pays off for long runs; typical runs are a few voxels.
      if (b - a > 32) labels.fill(id, a, b);
      else for (let p = a; p < b; p++) labels[p] = id;
    }
  }
  return { labels, count: cc.count, sizes: cc.sizes, values: cc.values };
}

export function labelComponentRuns(data: TypedArray, size: readonly number[], options: ComponentOptions = {}): ComponentRuns {
  const [ni, nj, nk] = [size[0] ?? 1, size[1] ?? 1, size[2] ?? 1];
  if (data.length !== ni * nj * nk)
    throw new ShapeError(`mask has ${data.length} voxels, size [${ni}, ${nj}, ${nk}] needs ${ni * nj * nk}`, { expected: ni * nj * nk, actual: data.length });
  const connectivity = checkConnectivity(options.connectivity ?? 26);
  const byValue = (options.by ?? 'foreground') === 'value';
  if (data instanceof Float32Array || data instanceof Float64Array) assertNoNaN(data, 'mask');
  const rows = nj * nk;
  const rowFirst = new Int32Array(rows + 1);
  const initial = Math.max(1024, rows * 2);
  const runs: Runs = { start: new Int32Array(initial), end: new Int32Array(initial), value: new Float64Array(initial), count: 0 };

  // Pass 1: runs per row.
  if (!byValue && data instanceof Uint8Array) extractMaskRuns(data, ni, rows, rowFirst, runs);
  else {
    for (let r = 0; r < rows; r++) {
      rowFirst[r] = runs.count;
      const base = r * ni;
      let i = 0;
      while (i < ni) {
        const v = data[base + i]!;
        if (v === 0) {
          i++;
          continue;
        }
        const s = i;
        i++;
        if (byValue) while (i < ni && data[base + i] === v) i++;
        else while (i < ni && data[base + i] !== 0) i++;
        pushRun(runs, s, i, byValue ? v : 1);
      }
    }
  }
  rowFirst[rows] = runs.count;
  const n = runs.count;
  const { start, end, value } = runs;
  const parent = new Int32Array(n);
  for (let r = 0; r < n; r++) parent[r] = r;

  // Pass 2: merge touching runs of already-visited neighbour rows. d = 1 lets diagonal runs touch.
  const d = connectivity === 26 ? 1 : 0;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      const row = j + nj * k;
      const a0 = rowFirst[row]!;
      const a1 = rowFirst[row + 1]!;
      if (a0 === a1) continue;
      // Already-visited neighbour rows: (j-1, k), (j, k-1); 26 adds (j-1, k-1), (j+1, k-1).
      if (j > 0) mergeRows(parent, start, end, value, byValue, d, a0, a1, rowFirst[row - 1]!, rowFirst[row]!);
      if (k > 0) {
        const below = row - nj;
        mergeRows(parent, start, end, value, byValue, d, a0, a1, rowFirst[below]!, rowFirst[below + 1]!);
        if (d === 1 && j > 0) mergeRows(parent, start, end, value, byValue, d, a0, a1, rowFirst[below - 1]!, rowFirst[below]!);
        if (d === 1 && j < nj - 1) mergeRows(parent, start, end, value, byValue, d, a0, a1, rowFirst[below + 1]!, rowFirst[below + 2]!);
      }
    }
  }

  // Pass 3: consecutive ids in order of each component's first run, sizes and values.
  const runLabel = new Int32Array(n);
  let count = 0;
  for (let r = 0; r < n; r++) {
    const root = find(parent, r);
    runLabel[r] = root === r ? ++count : runLabel[root]!;
  }
  const sizes = new Float64Array(count + 1);
  const values = new Float64Array(count + 1);
  for (let row = 0; row < rows; row++) {
    const base = row * ni;
    for (let r = rowFirst[row]!; r < rowFirst[row + 1]!; r++) {
      const id = runLabel[r]!;
      sizes[id]! += end[r]! - start[r]!;
      values[id] = byValue ? value[r]! : data[base + start[r]!]!;
    }
  }
  return { rowFirst, start, end, runLabel, count, sizes, values, rowLength: ni };
}

/** Unites runs [a0, a1) of one row with the touching runs [b0, b1) of a neighbour row. */
function mergeRows(
  parent: Int32Array,
  start: Int32Array,
  end: Int32Array,
  value: Float64Array,
  byValue: boolean,
  d: number,
  a0: number,
  a1: number,
  b0: number,
  b1: number,
): void {
  let q = b0;
  for (let p = a0; p < a1 && q < b1; p++) {
    const as = start[p]!;
    const ae = end[p]! + d;
    // Runs ending before this one starts cannot touch it or any later run of this row.
    while (q < b1 && end[q]! + d <= as) q++;
    for (let t = q; t < b1 && start[t]! < ae; t++) {
      if (byValue && value[t] !== value[p]) continue;
      unite(parent, p, t);
    }
  }
}

function pushRun(runs: Runs, s: number, e: number, value: number): void {
  if (runs.count === runs.start.length) growRuns(runs);
  runs.start[runs.count] = s;
  runs.end[runs.count] = e;
  runs.value[runs.count] = value;
  runs.count++;
}

/**
 * Fast path for uint8 masks: the volume is scanned as one stream, all-zero 4-byte words are
 * skipped through a Uint32Array view; runs are cut at row ends.
 */
function extractMaskRuns(data: Uint8Array, ni: number, rows: number, rowFirst: Int32Array, runs: Runs): void {
  const n = data.length;
  const words = data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, n >> 2) : null;
  let nextRow = 0; // rows below nextRow have rowFirst set
  let p = 0;
  while (p < n) {
    if (words !== null && (p & 3) === 0 && p + 4 <= n && words[p >> 2] === 0) {
      p += 4;
      continue;
    }
    if (data[p] === 0) {
      p++;
      continue;
    }
    const row = (p / ni) | 0;
    while (nextRow <= row) rowFirst[nextRow++] = runs.count;
    const rowStart = row * ni;
    const rowEnd = rowStart + ni;
    // Byte loop, not indexOf: runs are short and the native call costs more than the scan.
    let e = p + 1;
    while (e < rowEnd && data[e] !== 0) e++;
    pushRun(runs, p - rowStart, e - rowStart, 1);
    p = e;
  }
  while (nextRow < rows) rowFirst[nextRow++] = runs.count;
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    const g = parent[parent[x]!]!;
    parent[x] = g;
    x = g;
  }
  return x;
}

/** Links the larger root under the smaller so every root is its set's earliest run. */
function unite(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}
