/**
 * MONAI inferers and postprocessing transforms -> the SDK's `inference` and `postprocess[]`.
 * The SDK maps results back onto the input grid itself (Invertd), linearly interpolating
 * probabilities before the labels are taken - or, for `argmax` with `grid: 'model'`, taking the
 * labels on the model grid and mapping them back nearest-neighbour (AsDiscreted before an
 * Invertd with nearest_interp). Anything else is an UnsupportedError naming the transform.
 */
import type { InferenceSpec, StepSpec } from '../types.js';
import { isMonaiCall, type MonaiCall } from './expression.js';
import { transformName, unsupported, type Transform } from './map-preprocess.js';
import { rawField } from './config.js';

export interface MappedPostprocess {
  readonly steps: StepSpec[];
  /** Label values the steps produce (regions), each with the output channel it comes from. */
  readonly regions?: readonly { readonly channel: number; readonly value: number }[];
  readonly notes: string[];
}

function slidingWindow(params: Readonly<Record<string, unknown>>, where: string, name: string): InferenceSpec {
  const roi = params['roi_size'];
  if (!Array.isArray(roi) || !roi.every((r) => Number.isInteger(r) && (r as number) > 0)) unsupported(name, `with roi_size=${JSON.stringify(roi)}`, where);
  const overlap = params['overlap'] ?? 0.25;
  const batch = params['sw_batch_size'] ?? 1;
  const mode = params['mode'] ?? 'constant';
  if (typeof overlap !== 'number' || overlap < 0 || overlap >= 1) unsupported(name, `with overlap=${JSON.stringify(overlap)}`, where);
  if (!Number.isInteger(batch) || (batch as number) < 1) unsupported(name, `with sw_batch_size=${JSON.stringify(batch)}`, where);
  if (mode !== 'constant' && mode !== 'gaussian') unsupported(name, `with mode=${JSON.stringify(mode)} (constant or gaussian)`, where);
  const padding = params['padding_mode'] ?? 'constant';
  if (padding !== 'constant' && padding !== 'replicate') unsupported(name, `with padding_mode=${JSON.stringify(padding)} (constant or replicate)`, where);
  const cval = params['cval'] ?? 0;
  if (typeof cval !== 'number') unsupported(name, `with cval=${JSON.stringify(cval)}`, where);
  for (const p of ['with_coord', 'buffer_steps'])
    if (params[p] !== undefined && params[p] !== null && params[p] !== false) unsupported(name, `with ${p}=${JSON.stringify(params[p])}`, where);
  const sigma = params['sigma_scale'];
  if (sigma !== undefined && (typeof sigma !== 'number' || sigma <= 0))
    unsupported(name, `with sigma_scale=${JSON.stringify(sigma)} (one positive number)`, where);
  return {
    mode: 'slidingWindow',
    roi: roi as number[],
    overlap,
    batch: batch as number,
    blend: mode,
    placement: 'monai',
    ...(mode === 'gaussian' && typeof sigma === 'number' ? { sigmaScale: sigma } : {}),
    ...(padding === 'replicate' ? { padMode: 'replicate' } : {}),
    ...(padding === 'constant' && cval !== 0 ? { padValue: cval } : {}),
  } as InferenceSpec;
}

/** SlidingWindowInferer / SimpleInferer -> `inference`. */
export function mapInferer(inferer: Transform, where: string): InferenceSpec {
  const name = transformName(inferer);
  if (name === 'SimpleInferer') return { mode: 'whole' };
  if (name === 'SlidingWindowInferer') return slidingWindow(inferer, where, name);
  return unsupported(name, 'is not an inferer the SDK reproduces (SlidingWindowInferer, SimpleInferer)', where);
}

/** RetinaNetDetector configured by `@detector.set_*(...)` calls -> inference + box selection. */
export function mapDetectorCalls(calls: readonly MonaiCall[], where: string): { inference: InferenceSpec; nms: StepSpec; notes: string[] } {
  const find = (method: string): MonaiCall =>
    calls.find((c) => c.method === method) ?? unsupported('RetinaNetDetector', `without ${method}(...) in the config`, where);
  const window = find('set_sliding_window_inferer');
  const inference = slidingWindow(window.kwargs, `${where} set_sliding_window_inferer`, 'RetinaNetDetector.set_sliding_window_inferer');
  const box = find('set_box_selector_parameters').kwargs;
  const iou = box['nms_thresh'] ?? 0.5;
  const score = box['score_thresh'] ?? 0.05;
  const keep = box['detections_per_img'] ?? 300;
  if (typeof iou !== 'number' || typeof score !== 'number' || !Number.isInteger(keep))
    unsupported('RetinaNetDetector.set_box_selector_parameters', `with ${JSON.stringify(box)}`, where);
  const notes: string[] = [];
  if (box['topk_candidates_per_level'] !== undefined) {
    notes.push(
      `${where}: topk_candidates_per_level=${JSON.stringify(box['topk_candidates_per_level'])} is not applied: the SDK's nms sees every candidate ` +
        `above score_thresh (the same boxes unless a feature level has more candidates than that)`,
    );
  }
  for (const c of calls) {
    if (!['set_sliding_window_inferer', 'set_box_selector_parameters', 'set_target_keys'].includes(c.method))
      unsupported(`RetinaNetDetector.${c.method}`, 'is not reproduced', where);
  }
  return { inference, nms: { op: 'nms', iou, scoreThreshold: score, maxDetections: keep, classAware: false }, notes };
}

/** `lambda x: torch.where(x[[a]] > 0, va, torch.where(x[[b]] > 0, vb, ... 0))`: channel -> label priority. */
function parseRegionLambda(text: unknown): { channel: number; value: number }[] | null {
  if (typeof text !== 'string') return null;
  let rest = text.replace(/^\$/, '').replace(/\s+/g, '');
  const head = /^lambda(\w+):/.exec(rest);
  if (!head) return null;
  const x = head[1]!;
  rest = rest.slice(head[0].length);
  const out: { channel: number; value: number }[] = [];
  const step = new RegExp(`^torch\\.where\\(${x}\\[\\[(\\d+)\\]\\]>0,(\\d+),`);
  for (;;) {
    const m = step.exec(rest);
    if (!m) break;
    out.push({ channel: Number(m[1]), value: Number(m[2]) });
    rest = rest.slice(m[0].length);
  }
  return out.length > 0 && rest === `0${')'.repeat(out.length)}` ? out : null;
}

function connectivity(v: unknown, where: string): 6 | 26 {
  if (v === undefined || v === null || v === 3) return 26;
  if (v === 1) return 6;
  return unsupported('KeepLargestConnectedComponentd', `with connectivity=${JSON.stringify(v)} (the SDK has 6 (1) and 26 (3 / None))`, where);
}

const OUTPUT_ONLY: Readonly<Record<string, string>> = {
  SaveImaged: 'the SDK writes its own outputs',
  SaveImage: 'the SDK writes its own outputs',
  DeleteItemsd: 'dictionary bookkeeping',
  CopyItemsd: 'dictionary bookkeeping',
  EnsureTyped: 'a type conversion',
  ToTensord: 'a type conversion',
  ToDeviced: 'device placement',
  ClipBoxToImaged: 'SDK boxes are reported as the model gives them, in voxels and world mm',
  AffineBoxToWorldCoordinated: 'SDK detections carry world (LPS mm) coordinates already',
  ConvertBoxModed: 'SDK detections have their own box fields',
  ConvertBoxToStandardModed: 'SDK detections have their own box fields',
};

/** Maps a postprocessing transform list; `outputChannels` bounds channel numbers. */
export function mapPostprocessing(transforms: readonly Transform[], where: string): MappedPostprocess {
  const steps: StepSpec[] = [];
  const notes: string[] = [];
  let regions: { channel: number; value: number }[] | undefined;
  let threshold: number | undefined;
  let discrete = false;
  let inverted = false;
  let argmaxAt = -1;
  let nearestBeforeDiscrete = false;
  transforms.forEach((t, i) => {
    const name = transformName(t);
    const at = `${where}[${i}] ${name}`;
    if (name in OUTPUT_ONLY) {
      notes.push(`${at}: no step (${OUTPUT_ONLY[name]})`);
      return;
    }
    switch (name) {
      case 'Activationsd':
      case 'Activations':
        if (t['other'] !== undefined && t['other'] !== null) unsupported(name, 'with other=... (a custom function)', at);
        if (t['softmax'] === true && t['sigmoid'] === true) unsupported(name, 'with both softmax and sigmoid', at);
        if (t['softmax'] === true) steps.push({ op: 'softmax', axis: 1 });
        else if (t['sigmoid'] === true) steps.push({ op: 'sigmoid' });
        return;
      case 'Invertd': {
        // MONAI's default is nearest_interp=True. Nearest-resampled probabilities give the same
        // argmax as nearest-resampled labels, so both orders are argmax on the model grid.
        const nearest = t['nearest_interp'] ?? true;
        // The SDK filters components on the input grid, after mapping back.
        if (steps.some((st) => st.op === 'keepLargestComponent'))
          unsupported('KeepLargestConnectedComponentd', 'before Invertd (components on the model grid; the SDK filters them on the input grid)', at);
        if (nearest === true && discrete && argmaxAt >= 0) steps[argmaxAt] = { op: 'argmax', grid: 'model' };
        else if (nearest === true && !discrete) nearestBeforeDiscrete = true;
        else if (nearest === true) unsupported(name, 'with nearest_interp after a threshold (labels on the model grid are reproduced only for argmax)', at);
        else if (discrete) unsupported(name, 'of labels with nearest_interp=false (labels interpolated linearly)', at);
        inverted = true;
        return;
      }
      case 'AsDiscreted':
      case 'AsDiscrete': {
        if (t['to_onehot'] !== undefined && t['to_onehot'] !== null) unsupported(name, 'with to_onehot (the SDK returns a label map)', at);
        const thr = t['threshold'] ?? (t['threshold_values'] === true ? (t['logit_thresh'] ?? 0.5) : undefined);
        if (t['argmax'] === true && thr !== undefined) unsupported(name, 'with both argmax and threshold', at);
        if (t['argmax'] === true) {
          argmaxAt = steps.length;
          steps.push(nearestBeforeDiscrete ? { op: 'argmax', grid: 'model' } : { op: 'argmax' });
        } else if (typeof thr === 'number' && nearestBeforeDiscrete)
          unsupported(name, 'with a threshold after an Invertd with nearest_interp (probabilities resampled nearest, then thresholded)', at);
        else if (typeof thr === 'number') threshold = thr;
        else unsupported(name, 'without argmax or a numeric threshold', at);
        discrete = true;
        return;
      }
      case 'Lambdad': {
        const func = rawField(t, 'func');
        const parsed = parseRegionLambda(func);
        if (parsed === null || threshold === undefined)
          unsupported(
            name,
            `with func ${JSON.stringify(func)} (recognised: a thresholded region stack mapped to labels by nested torch.where(x[[c]] > 0, label, ...))`,
            at,
          );
        // MONAI: the first matching channel wins; the SDK's regionsToLabels writes in order, the last wins.
        regions = parsed;
        steps.push({
          op: 'regionsToLabels',
          order: [...parsed].reverse().map((r) => r.channel),
          labels: [...parsed].reverse().map((r) => r.value),
          threshold,
          comparison: 'gte',
        });
        threshold = undefined;
        return;
      }
      case 'KeepLargestConnectedComponentd':
      case 'KeepLargestConnectedComponent': {
        if (t['is_onehot'] === true) unsupported(name, 'with is_onehot=true (the SDK filters label maps)', at);
        if ((t['num_components'] ?? 1) !== 1) unsupported(name, `with num_components=${JSON.stringify(t['num_components'])}`, at);
        const applied = t['applied_labels'];
        const labels = applied === undefined || applied === null ? undefined : Array.isArray(applied) ? applied : [applied];
        if (t['independent'] === false && (labels === undefined || labels.length > 1))
          unsupported(name, 'with independent=false over several labels (the SDK keeps the largest component per label)', at);
        steps.push({ op: 'keepLargestComponent', ...(labels !== undefined ? { labels } : {}), connectivity: connectivity(t['connectivity'], at) });
        return;
      }
      default:
        unsupported(name, 'has no SDK equivalent', at);
    }
  });
  if (threshold !== undefined) steps.push({ op: 'threshold', value: threshold });
  if (!inverted) notes.push(`${where}: no Invertd: the SDK still maps results back onto the input grid (as every SDK result is)`);
  return { steps, ...(regions !== undefined ? { regions } : {}), notes };
}

export { isMonaiCall };
