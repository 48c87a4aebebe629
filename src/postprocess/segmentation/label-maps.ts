/**
 * Channel outputs -> label maps. Model outputs are channel-first planar ([C, D, H, W] of an
 * NCDHW tensor, W = i fastest), which is what `data` holds here: channel c occupies
 * data[c * voxels .. (c + 1) * voxels). Label maps are uint8 when labels fit, else uint16.
 */
import { InputError, ShapeError, UsageError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import type { Geometry } from '../../core/geometry.js';
import type { NumericArray } from '../common/checks.js';
import { argmaxChannelsSimd, regionsToLabelsSimd } from './argmax-simd.js';
import { countBytes } from '../../core/count-bytes.js';
import { countUint16, volumesFromHistogram, type LabelVolume } from './label-tally.js';

export type { LabelVolume } from './label-tally.js';

export type LabelArray = Uint8Array | Uint16Array;

function channelVoxels(data: { length: number }, channels: number): number {
  if (!Number.isInteger(channels) || channels < 1 || data.length % channels !== 0) {
    throw new ShapeError(`${data.length} values are not ${channels} equal channels`, { channels, actual: data.length });
  }
  return data.length / channels;
}

function allocateLabels(voxels: number, maxLabel: number): LabelArray {
  return maxLabel <= 255 ? new Uint8Array(voxels) : new Uint16Array(voxels);
}

/**
 * Index of the largest channel per voxel (first one on ties, like torch / numpy argmax). Works on
 * logits or probabilities alike (softmax is monotonic, so nnU-Net's argmax-on-logits shortcut
 * gives the same map). NaN anywhere is an InputError.
 */
export function argmaxChannels(data: NumericArray, channels: number): LabelArray {
  const voxels = channelVoxels(data, channels);
  if (channels > 65536) throw new ShapeError(`argmax over ${channels} channels does not fit uint16 labels`);
  if (data instanceof Float32Array && channels <= 256) {
    const fast = argmaxChannelsSimd(data, channels, voxels);
    if (fast !== null) return fast;
  }
  const out = allocateLabels(voxels, channels - 1);
  // float64 copy of the running maximum: exact for float32 and float64 inputs alike.
  const best = new Float64Array(voxels);
  for (let v = 0; v < voxels; v++) {
    const x = data[v]!;
    if (x !== x) throw new InputError(`channel 0 has NaN at voxel ${v}`, { channel: 0, voxel: v });
    best[v] = x;
  }
  // Channel-major sweep keeps reads sequential.
  for (let c = 1; c < channels; c++) {
    const base = c * voxels;
    for (let v = 0; v < voxels; v++) {
      const x = data[base + v]!;
      if (x > best[v]!) {
        best[v] = x;
        out[v] = c;
      } else if (x !== x) throw new InputError(`channel ${c} has NaN at voxel ${v}`, { channel: c, voxel: v });
    }
  }
  return out;
}

export interface RegionsToLabelsOptions {
  /** Channel indices in writing order; later regions overwrite earlier ones. */
  order: readonly number[];
  /** Label written for each entry of `order`. */
  labels: readonly number[];
  /** Probability threshold (default 0.5). */
  threshold?: number;
  /** 'gt' (nnU-Net: prob > t, default) or 'gte' (MONAI AsDiscrete: prob >= t). */
  comparison?: 'gt' | 'gte';
}

/**
 * Sigmoid region channels -> one label map. nnU-Net BraTS: channels [WT, TC, ET], order
 * [0, 1, 2], labels [1, 2, 3] then remap {1: 2, 2: 1, 3: 4}. MONAI brats_mri_segmentation:
 * channels [TC, WT, ET]; "ET -> 4, else TC -> 1, else WT -> 2" is order [1, 0, 2], labels
 * [2, 1, 4] (WT written first, ET last), comparison 'gte'.
 */
export function convertRegionsToLabels(probabilities: NumericArray, channels: number, options: RegionsToLabelsOptions): LabelArray {
  const voxels = channelVoxels(probabilities, channels);
  const { order, labels } = options;
  if (order.length !== labels.length || order.length === 0)
    throw new UsageError(`regionsToLabels needs as many labels (${labels.length}) as regions in order (${order.length})`, { field: 'labels' });
  let maxLabel = 0;
  order.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= channels)
      throw new UsageError(`order[${i}] = ${c} is not a channel index below ${channels}`, { field: `order[${i}]`, received: c });
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l > 65535)
      throw new UsageError(`labels[${i}] = ${l} is not an integer label in [0, 65535]`, { field: `labels[${i}]`, received: l });
    if (l > maxLabel) maxLabel = l;
  });
  const t = options.threshold ?? 0.5;
  if (!Number.isFinite(t)) throw new UsageError(`threshold must be finite, got ${t}`, { field: 'threshold' });
  const gte = (options.comparison ?? 'gt') === 'gte';
  if (probabilities instanceof Float32Array && voxels >= 4096) {
    const fast = regionsToLabelsSimd(probabilities, voxels, order, labels, t, gte);
    if (fast !== null) return fast;
  }
  const out = allocateLabels(voxels, maxLabel);
  for (let r = 0; r < order.length; r++) {
    const base = order[r]! * voxels;
    const label = labels[r]!;
    for (let v = 0; v < voxels; v++) {
      const p = probabilities[base + v]!;
      if (p !== p) throw new InputError(`region channel ${order[r]} has NaN at voxel ${v}`, { channel: order[r], voxel: v });
      if (gte ? p >= t : p > t) out[v] = label;
    }
  }
  return out;
}

/** Label remapping table: { from: to } (JSON-friendly string keys) or [from, to] pairs. */
export type LabelMap = Readonly<Record<string, number>> | readonly (readonly [number, number])[];

/**
 * Applies a label map through a lookup table; labels not in the map are kept unchanged. The
 * result has the input's array type; a target label that type cannot hold is a UsageError
 * (never a silent uint8 wrap-around).
 */
export function remapLabels<T extends TypedArray>(labels: T, map: LabelMap): T {
  const pairs: [number, number][] = Array.isArray(map) ? map.map((p) => [p[0], p[1]]) : Object.entries(map).map(([k, v]) => [Number(k), v as number]);
  const Ctor = labels.constructor as new (n: number) => T;
  const probe = new Ctor(1);
  for (const [from, to] of pairs) {
    if (!Number.isInteger(from) || from < 0 || from > 65535 || !Number.isInteger(to) || to < 0)
      throw new UsageError(`label map entry ${from} -> ${to} must map integers in [0, 65535] to non-negative integers`, { field: 'map', received: [from, to] });
    probe[0] = to;
    if (probe[0] !== to) throw new UsageError(`label map target ${to} does not fit the label array type (${Ctor.name})`, { field: 'map', received: to });
  }
  let maxIn = 0;
  for (let v = 0; v < labels.length; v++) {
    const l = labels[v]!;
    if (!(l >= 0 && l <= 65535 && Number.isInteger(l))) throw new InputError(`label ${l} at voxel ${v} is not an integer in [0, 65535]`, { voxel: v });
    if (l > maxIn) maxIn = l;
  }
  const lut = new Float64Array(Math.max(maxIn, ...pairs.map((p) => p[0])) + 1);
  for (let l = 0; l < lut.length; l++) lut[l] = l;
  for (const [from, to] of pairs) lut[from] = to;
  const out = new Ctor(labels.length);
  for (let v = 0; v < labels.length; v++) out[v] = lut[labels[v]!]!;
  return out;
}

/** Per-label voxel counts and volumes in ml (background 0 excluded), sorted by label. */
export function measureLabelVolumes(labels: ArrayLike<number>, geometry: Geometry): LabelVolume[] {
  const n = geometry.size[0] * geometry.size[1] * geometry.size[2];
  if (labels.length !== n) throw new ShapeError(`label map has ${labels.length} voxels, geometry needs ${n}`, { expected: n, actual: labels.length });
  // uint8 / uint16 label maps (what the pipelines produce) hold valid labels by construction:
  // count straight away; other arrays are checked first.
  const typed = labels instanceof Uint8Array || labels instanceof Uint16Array;
  let max = typed ? (labels instanceof Uint8Array ? 255 : 65535) : 0;
  for (let v = 0; !typed && v < n; v++) {
    const l = labels[v]!;
    if (!(l >= 0 && l <= 65535 && Number.isInteger(l))) throw new InputError(`label ${l} at voxel ${v} is not an integer in [0, 65535]`, { voxel: v });
    if (l > max) max = l;
  }
  const histogram = new Float64Array(max + 1);
  // One loop per array type (a loop shared by several element kinds compiles its loads
  // polymorphically); bytes through countBytes (4x faster than a float64 histogram).
  if (labels instanceof Uint8Array) countBytes(labels, histogram);
  else if (labels instanceof Uint16Array) countUint16(labels, histogram);
  else for (let v = 0; v < n; v++) histogram[labels[v]!]!++;
  return volumesFromHistogram(histogram, geometry);
}
