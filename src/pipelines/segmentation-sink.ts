/**
 * Labels written into a VolumeSink as the sliding window finishes them (runToSink), so the label
 * map is never held whole either (0.63 GB at 1024x1024x600). Slabs arrive in order along the
 * tensor's first spatial axis; they are contiguous ranges of the output file exactly when that
 * axis is the input grid's k (the file's slowest axis: axisOrder 'kji' after a plan that does not
 * permute k) and not flipped. Then tensor plane p is input plane k = p + offset, in-plane flips,
 * permutations, crops and pads are a per-plane gather, and input planes no tensor plane covers
 * (cropped away) are background. Per-voxel label filters (remapLabels, binarize) run on each
 * plane. Anything else - k permuted or flipped, component filters, a conform's reslice, a
 * maskInput step - needs the whole map: planSinkStream returns null and the caller makes the
 * whole map, then writes it (writeWholeLabels); the file is the same either way.
 */
import { ShapeError } from '../core/errors.js';
import type { Geometry } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { VolumeShell, VolumeSink } from '../io/volume-sink.js';
import type { ModelEntry } from '../manifest/types.js';
import type { LabelArray } from '../postprocess/segmentation/label-maps.js';
import { LabelTally, LargestSliceTracker, type LabelVolume, type LargestSlice } from '../postprocess/segmentation/label-tally.js';
import { composeRecords } from '../preprocess/compose-records.js';
import { invertTransform } from '../preprocess/index-transform.js';
import { splitAtReslice } from '../preprocess/reslice-records.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import type { SlabLabelling, SlabSink } from '../runtime/sliding-window/sliding-window.js';
import { filterVoxels, isVoxelFilter, type LabelsOptions, type VoxelLabelFilter } from './segmentation-labels.js';
import { planSlabLabels } from './segmentation-stream.js';

/** What a run into a sink leaves besides the file. */
export interface SinkOutcome {
  /** The label map written, without samples. */
  readonly shell: VolumeShell;
  /** Planes went to the sink as the windows finished them (false: the whole map, then written). */
  readonly streamed: boolean;
  readonly volumes: readonly LabelVolume[];
  readonly largestSlice: LargestSlice;
}

export interface SinkStream {
  readonly onSlab: SlabSink;
  /** The same labels made on a kernel worker where the sliding window can (runSlidingWindowSlabs' labelling). */
  readonly labelling?: SlabLabelling | undefined;
  finish(): Promise<SinkOutcome>;
}

/** Zero planes handed to the sink at a time (one allocation each; a crop can leave hundreds). */
const ZERO_PLANES = 16;

/**
 * Planes of the input grid, in order of k: per-voxel filters, tallies (volumes, largest slice),
 * then the sink with one write in flight (the next slab is labelled while gzip takes the last).
 */
class PlaneWriter {
  private readonly tally = new LabelTally();
  private readonly largest: LargestSliceTracker;
  private readonly plane: number;
  private pending: Promise<void> = Promise.resolve();
  private shell: VolumeShell | undefined;
  next = 0;

  constructor(
    private readonly sink: VolumeSink,
    private readonly grid: Geometry,
    private readonly meta: Volume['meta'],
    private readonly filters: readonly VoxelLabelFilter[],
  ) {
    this.largest = new LargestSliceTracker(grid.size);
    this.plane = grid.size[0] * grid.size[1];
  }

  async put(planes: LabelArray): Promise<void> {
    let out = planes;
    for (const f of this.filters) out = filterVoxels(out, f);
    // The sample type is known with the first labels (uint8 unless a label exceeds 255).
    if (this.shell === undefined) {
      this.shell = { geometry: this.grid, type: out instanceof Uint8Array ? 'uint8' : 'uint16', components: 1, frames: 1, meta: this.meta };
      await this.sink.begin(this.shell);
    }
    this.tally.add(out);
    this.largest.add(out, this.next);
    const k0 = this.next;
    this.next += out.length / this.plane;
    await this.pending;
    this.pending = this.sink.write(out, k0);
    // Awaited by the next put or by finish; this keeps a fault in between from being unhandled.
    this.pending.catch(() => undefined);
  }

  /** `count` background planes (labels 0, through the filters like any other). */
  async putZeros(count: number, type: 'uint8' | 'uint16'): Promise<void> {
    for (let done = 0; done < count; done += ZERO_PLANES) {
      const n = Math.min(ZERO_PLANES, count - done) * this.plane;
      await this.put(type === 'uint8' ? new Uint8Array(n) : new Uint16Array(n));
    }
  }

  async finish(streamed: boolean): Promise<SinkOutcome> {
    await this.pending;
    if (this.shell === undefined) throw new ShapeError('no label planes were written', { expected: this.grid.size[2], actual: 0 });
    await this.sink.finish();
    return {
      shell: this.shell,
      streamed,
      volumes: this.tally.volumes(this.grid),
      largestSlice: this.largest.result(this.shell.type === 'uint8' ? 'uint8' : 'uint16'),
    };
  }
}

/** Tensor label planes -> input-grid planes (see the file comment); null when slabs are not contiguous in the file. */
function planeGather(
  records: readonly PreprocessRecord[],
  spatial: readonly number[],
): { offset: number; gather: (part: LabelArray, p0: number, planes: number) => LabelArray } | null {
  const { inner } = splitAtReslice(records);
  const rec = [...records].reverse().find((r) => r.op === 'toTensor');
  if (rec === undefined || inner.length === 0) return null;
  const axes = [...String(rec.details?.['axisOrder'] ?? 'kji')].map((ch) => 'ijk'.indexOf(ch));
  const inverse = invertTransform(composeRecords(inner).transform);
  // inverse: model[inverse.axes[A]] = inverse.scale[A] * input[A] + inverse.offset[A].
  if (inverse.axes[2] !== axes[0] || inverse.scale[2] !== 1) return null;
  const grid = inner[0]!.inputGeometry.size;
  const stride = (modelAxis: number): number => (modelAxis === axes[1] ? spatial[2]! : 1);
  // Per input column / row: its offset in a tensor plane, or -1 outside the model grid.
  const table = (A: 0 | 1): Int32Array =>
    Int32Array.from({ length: grid[A] }, (_, x) => {
      const m = inverse.scale[A] * x + inverse.offset[A];
      return m >= 0 && m < spatial[axes.indexOf(inverse.axes[A])]! ? m * stride(inverse.axes[A]) : -1;
    });
  const cols = table(0);
  const rows = table(1);
  const [n0, n1] = grid;
  const tensorPlane = spatial[1]! * spatial[2]!;
  const identity = tensorPlane === n0 * n1 && cols.every((c, i) => c === i) && rows.every((r, j) => r === j * n0);
  return {
    offset: -inverse.offset[2],
    gather: (part, p0, planes) => {
      if (identity) return part.subarray(p0 * tensorPlane, (p0 + planes) * tensorPlane);
      const out = part instanceof Uint8Array ? new Uint8Array(planes * n0 * n1) : new Uint16Array(planes * n0 * n1);
      for (let q = 0; q < planes; q++) {
        const src = (p0 + q) * tensorPlane;
        for (let j = 0; j < n1; j++) {
          const row = rows[j]!;
          if (row < 0) continue;
          const dst = (q * n1 + j) * n0;
          for (let i = 0; i < n0; i++) {
            const c = cols[i]!;
            if (c >= 0) out[dst + i] = part[src + row + c]!;
          }
        }
      }
      return out;
    },
  };
}

/** null when the labels cannot go to the sink slab by slab (see the file comment); the caller then writes the whole map. */
export function planSinkStream(
  entry: ModelEntry,
  records: readonly PreprocessRecord[],
  dims: readonly number[],
  options: LabelsOptions,
  sink: VolumeSink,
): SinkStream | null {
  const slabs = planSlabLabels(entry, records, dims, options);
  if (slabs === null || slabs.post.maskInput || splitAtReslice(records).outer.length > 0) return null;
  const filters = slabs.post.filters;
  if (!filters.every(isVoxelFilter)) return null;
  const mapped = planeGather(records, dims.slice(2));
  if (mapped === null) return null;
  const grid = splitAtReslice(records).inner[0]!.inputGeometry;
  const writer = new PlaneWriter(sink, grid, { ...options.meta, modality: 'SEG' }, filters as readonly VoxelLabelFilter[]);
  const nk = grid.size[2];
  const tensorPlanes = dims[2]!;
  let received = 0;
  let type: 'uint8' | 'uint16' | undefined;
  const put = async (part: LabelArray, from: number, planes: number): Promise<void> => {
    if (from !== received) throw new ShapeError(`model '${entry.id}': slab at plane ${from}, expected ${received}`, { modelId: entry.id });
    const partType = part instanceof Uint8Array ? 'uint8' : 'uint16';
    if (type !== undefined && partType !== type) throw new ShapeError(`model '${entry.id}': label slabs changed type between planes`, { modelId: entry.id });
    type = partType;
    received += planes;
    // Input planes k0 .. k1 - 1 come from tensor planes k - offset; those before k0 were cropped away.
    const k0 = Math.max(0, from + mapped.offset);
    const k1 = Math.min(nk, from + planes + mapped.offset);
    if (k1 <= k0) return;
    await writer.putZeros(k0 - writer.next, type);
    await writer.put(mapped.gather(part, k0 - mapped.offset - from, k1 - k0));
  };
  return {
    onSlab: (slab, from, planes) => put(slabs.labelsOf(slab, planes), from, planes),
    labelling: slabs.spec && { spec: slabs.spec, onLabels: put },
    finish: async () => {
      if (received !== tensorPlanes || type === undefined)
        throw new ShapeError(`model '${entry.id}': ${received} of ${tensorPlanes} label planes arrived from the sliding window`, { modelId: entry.id });
      await writer.putZeros(nk - writer.next, type);
      return writer.finish(true);
    },
  };
}

/** A whole label map (every stage applied) into the sink, with the same tallies as the stream. */
export async function writeWholeLabels(labels: Volume, sink: VolumeSink): Promise<SinkOutcome> {
  const data = labels.data;
  if (!(data instanceof Uint8Array || data instanceof Uint16Array))
    throw new ShapeError(`a label map is uint8 or uint16, got ${labels.type}`, { type: labels.type });
  const writer = new PlaneWriter(sink, labels.geometry, labels.meta, []);
  const plane = labels.geometry.size[0] * labels.geometry.size[1];
  // Views in runs of planes: the sink may hold one run while the next is tallied.
  const step = Math.max(1, Math.floor((16 << 20) / (plane * data.BYTES_PER_ELEMENT)));
  for (let k = 0; k < labels.geometry.size[2]; k += step) await writer.put(data.subarray(k * plane, Math.min(labels.geometry.size[2], k + step) * plane));
  return writer.finish(false);
}
