/**
 * Occlusion sensitivity (Zeiler & Fergus 2014): slide a patch filled with the image mean over
 * the model-input tensor, run the occluded copies in batches, and record how much each label's
 * score drops. No gradients needed, so it works with any ONNX model and provider. The map is
 * computed on the model grid and mapped back onto the input grid (linear), one frame per label.
 * Positive values: occluding there lowers the score (evidence for the label).
 */
import { UsageError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { invertToInputGrid } from '../preprocess/invert-to-input-grid.js';
import { runPreprocessPlan } from '../preprocess/run-plan.js';
import { createVolumeFromTensor } from '../preprocess/volume-from-tensor.js';
import { outputByName, runSingleInput, type ModelHandle } from './model-handle.js';
import type { ScoreSteps } from './score-steps.js';

export interface OcclusionOptions {
  /** Patch size in model-input pixels (default: 1/8 of the shorter side). */
  readonly window?: number;
  /** Patch step in model-input pixels (default: window / 2). */
  readonly stride?: number;
  /** Occluded images per session run (default 16). */
  readonly batch?: number;
  /** Labels to map (default: all named labels). */
  readonly labels?: readonly string[];
}

export interface OcclusionMap {
  /** On the input grid; frame f is the map of `labels[f]` (score drop, in score units). */
  readonly volume: Volume;
  readonly labels: readonly string[];
}

function positions(size: number, window: number, stride: number): number[] {
  const out: number[] = [];
  for (let p = 0; p + window < size; p += stride) out.push(p);
  out.push(Math.max(0, size - window));
  return [...new Set(out)];
}

export async function computeOcclusionMap(
  volume: Volume,
  handle: ModelHandle,
  steps: ScoreSteps,
  names: readonly string[],
  options: OcclusionOptions,
): Promise<OcclusionMap> {
  const pre = runPreprocessPlan(volume, handle.entry.preprocess);
  const { dims, data } = pre.tensor;
  if (dims.length !== 4 || pre.tensor.type !== 'float32') throw new UsageError('occlusion maps need a float32 NCHW model input', { modelId: handle.entry.id });
  const [, channels, height, width] = dims as [number, number, number, number];
  const window = options.window ?? Math.max(1, Math.floor(Math.min(height, width) / 8));
  const stride = options.stride ?? Math.max(1, Math.floor(window / 2));
  if (!(window >= 1 && window <= Math.min(height, width) && stride >= 1))
    throw new UsageError(`occlusion window ${window} / stride ${stride} do not fit a ${width}x${height} model input`, { field: 'window' });
  const wanted = options.labels ?? names.filter(Boolean);
  const labelIndex = wanted.map((l) => {
    const i = names.indexOf(l);
    if (i < 0) throw new UsageError(`occlusion: unknown label '${l}' (model labels: ${names.filter(Boolean).join(', ')})`, { field: 'labels' });
    return i;
  });
  const plane = height * width;
  const fill = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let p = 0; p < plane; p++) s += data[c * plane + p]!;
    fill[c] = s / plane;
  }
  const score = async (tensor: Float32Array, n: number): Promise<Float32Array[]> => {
    const logits = outputByName(await runSingleInput(handle, { type: 'float32', data: tensor, dims: [n, channels, height, width] }), handle)
      .data as Float32Array;
    const per = logits.length / n;
    return Array.from({ length: n }, (_, i) => steps.apply(logits.slice(i * per, (i + 1) * per)));
  };
  const base = (await score(data as Float32Array, 1))[0]!;
  const sums = new Float32Array(labelIndex.length * plane);
  const counts = new Float32Array(plane);
  const spots: [number, number][] = [];
  for (const y of positions(height, window, stride)) for (const x of positions(width, window, stride)) spots.push([y, x]);
  const batch = Math.max(1, options.batch ?? 16);
  for (let s = 0; s < spots.length; s += batch) {
    const chunk = spots.slice(s, s + batch);
    const buf = new Float32Array(chunk.length * data.length);
    chunk.forEach(([y, x], b) => {
      buf.set(data, b * data.length);
      for (let c = 0; c < channels; c++)
        for (let yy = y; yy < y + window; yy++)
          buf.fill(fill[c]!, b * data.length + c * plane + yy * width + x, b * data.length + c * plane + yy * width + x + window);
    });
    const scores = await score(buf, chunk.length);
    chunk.forEach(([y, x], b) => {
      for (let yy = y; yy < y + window; yy++)
        for (let xx = x; xx < x + window; xx++) {
          const p = yy * width + xx;
          counts[p] = counts[p]! + 1;
          labelIndex.forEach((li, l) => (sums[l * plane + p] = sums[l * plane + p]! + (base[li]! - scores[b]![li]!)));
        }
    });
  }
  for (let l = 0; l < labelIndex.length; l++) for (let p = 0; p < plane; p++) sums[l * plane + p] = counts[p]! > 0 ? sums[l * plane + p]! / counts[p]! : 0;
  const modelGrid = createVolumeFromTensor({ type: 'float32', data: sums, dims: [1, labelIndex.length, height, width] }, pre.records);
  const onInput = invertToInputGrid(modelGrid, pre.records, { interpolation: 'linear' });
  return { volume: onInput, labels: wanted };
}
