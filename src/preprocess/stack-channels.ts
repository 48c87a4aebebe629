/**
 * stackChannels {order}: builds one multi-channel volume from named inputs in a declared order
 * (e.g. BraTS ['t1c', 't1', 't2', 'flair'] for MONAI, ['t1', 't1ce', 't2', 'flair'] for
 * nnU-Net). All inputs must share the same voxel grid (within 1e-3 mm): stacking misregistered
 * modalities would feed the model garbage, so that is an error, not a silent resample.
 */
import { InputError, ShapeError } from '../core/errors.js';
import { sameGrid, voxelCount } from '../core/geometry.js';
import type { TypedArray } from '../core/dtype.js';
import { allocateTypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createRecord } from './record.js';
import type { StackChannelsParams, StepResult } from './types.js';

export function readStackChannelsParams(r: ParamReader): StackChannelsParams {
  return { order: r.stringArray('order') };
}

export function stackChannels(inputs: Readonly<Record<string, Volume>>, params: StackChannelsParams): StepResult {
  const missing = params.order.filter((name) => inputs[name] === undefined);
  if (missing.length > 0) {
    throw new InputError(`stackChannels: missing inputs ${missing.map((m) => `"${m}"`).join(', ')} (given: ${Object.keys(inputs).join(', ') || 'none'})`, {
      field: 'order',
      missing,
    });
  }
  const vols = params.order.map((name) => toPlanar(inputs[name]!));
  const first = vols[0]!;
  vols.forEach((v, idx) => {
    if (!sameGrid(first.geometry, v.geometry)) {
      throw new ShapeError(`stackChannels: input "${params.order[idx]}" is not on the grid of "${params.order[0]}"`, {
        field: 'order',
        input: params.order[idx],
      });
    }
  });
  const n = voxelCount(first.geometry);
  const total = vols.reduce((s, v) => s + channelCount(v), 0);
  const sameType = vols.every((v) => v.type === first.type);
  const out: TypedArray = sameType ? allocateTypedArray(first.type, n * total) : new Float32Array(n * total);
  let at = 0;
  for (const v of vols) {
    out.set(v.data, at);
    at += v.data.length;
  }
  const volume = createPlanarVolume(first.geometry, out, total, { ...first.meta, channels: [...params.order] });
  return { volume, record: createRecord('stackChannels', params, first.geometry, first.geometry, null) };
}
