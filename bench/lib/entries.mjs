/**
 * Manifest entries for the benchmark-size models (.cache/bench-models/, exported by
 * bench/python/export_models.py: the exporter that writes exactly the files named in FILES;
 * scripts/models/export_bench_models.py writes other names and sizes and is not used here).
 * Each is the manifest's entry of the public model it stands in for, pointed at the bench file,
 * so the SDK runs exactly the preprocessing / postprocessing its users get:
 *   classification  <- xrv-densenet121-res224-all (DenseNet-121, 18 logits, sigmoid + op_norm)
 *   segmentation    <- monai-brats-mri-segmentation (4 modalities, channel-wise nonzero z-score),
 *                      inference switched to nnU-Net style (gaussian blending, step 0.5) and
 *                      softmax + argmax, with a roi the 2-core machine can afford (see `roi`)
 *   registration    <- voxelmorph-vxm-dense (cat(moving, fixed), half-resolution velocity,
 *                      scaling and squaring 7 steps), with dynamic spatial dims
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifestFile } from '../../dist/node.js';
import { runJsonChild, PYTHON } from './child.mjs';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_MODELS = join(REPO, '.cache', 'bench-models');
const FILES = { classification: 'densenet121.onnx', segmentation: 'unet3d.onnx', registration: 'vxm.onnx', scaling: 'unet3d_lite.onnx' };

/** Makes sure the bench models exist (bench/python/export_models.py). Returns { ok, reason }. */
export async function ensureBenchModels() {
  if (Object.values(FILES).every((f) => existsSync(join(BENCH_MODELS, f)))) return { ok: true };
  const script = join(REPO, 'bench', 'python', 'export_models.py');
  const r = await runJsonChild(PYTHON, [script], { timeoutMs: 600_000 });
  const missing = Object.values(FILES).filter((f) => !existsSync(join(BENCH_MODELS, f)));
  return missing.length ? { ok: false, reason: `bench models missing (${missing.join(', ')}): ${r.error ?? 'exporter wrote nothing'}` } : { ok: true };
}

function clone(entry, id, file, patch) {
  const description =
    `Benchmark stand-in with random weights (bench/python/export_models.py ${file.replace('.onnx', '')}) fed and read as '${entry.id}' is: ` +
    `${entry.architecture} preprocessing and postprocessing, not its weights.`;
  return {
    ...structuredClone(entry),
    id,
    title: `${entry.title} [benchmark-size, random weights]`,
    description,
    files: [{ role: 'model', path: `.cache/bench-models/${file}`, precision: 'fp32' }],
    ...patch,
  };
}

/** The three bench entries; `roi` is the segmentation sliding-window size. */
export function benchEntries(manifest, { roi = [64, 64, 64], overlap = 0.5, scalingRoi = [128, 128, 128] } = {}) {
  const m = manifest.models;
  const seg = m['monai-brats-mri-segmentation'];
  const reg = m['voxelmorph-vxm-dense'];
  const segPatch = (r) => ({
    inference: { mode: 'slidingWindow', roi: r, overlap, batch: 1, blend: 'gaussian', placement: 'nnunet' },
    postprocess: [{ op: 'softmax', axis: 1 }, { op: 'argmax' }],
    labels: ['background', 'oedema', 'tumour core'],
    io: { ...seg.io, outputs: [{ ...seg.io.outputs[0], channels: ['background', 'oedema', 'tumour core'] }] },
  });
  return {
    // The 8-feature U-Net of the scaling runs (same entry otherwise; nnU-Net-like 128^3 patches).
    scaling: clone(seg, 'bench-unet3d-lite', FILES.scaling, segPatch(scalingRoi)),
    // The same 8-feature U-Net with the pipelines' roi: quick runs of the pipelines area.
    segmentationLite: clone(seg, 'bench-unet3d-lite', FILES.scaling, segPatch(roi)),
    classification: clone(m['xrv-densenet121-res224-all'], 'bench-densenet121', FILES.classification, {}),
    segmentation: clone(seg, 'bench-unet3d', FILES.segmentation, segPatch(roi)),
    registration: clone(reg, 'bench-vxm', FILES.registration, {
      io: {
        inputs: reg.io.inputs.map((i) => ({ ...i, dims: [1, 1, -1, -1, -1] })),
        outputs: reg.io.outputs.map((o) => ({ ...o, dims: [1, 3, -1, -1, -1] })),
      },
    }),
  };
}

/** Bundled (shipped, trained) models per task, from the manifest as it is now. */
export function bundledEntries(manifest) {
  const out = {};
  for (const [id, e] of Object.entries(manifest.models)) {
    if (e.weights?.kind !== 'bundled') continue;
    const path = e.files?.find((f) => f.role === 'model')?.path;
    if (path && existsSync(join(REPO, path))) (out[e.task] ??= []).push({ ...e, id: e.id ?? id });
  }
  return out;
}

/**
 * The entry as models.manifest.json says now: bundled models are looked up again by id (a model
 * retrained while the suite runs changes its sha256); bench entries (.cache files) are returned as is.
 */
export async function currentEntry(entry) {
  if (entry.weights?.kind !== 'bundled') return entry;
  const now = (await readManifestFile()).models[entry.id];
  return now ? { ...now, id: now.id ?? entry.id } : entry;
}

export async function loadManifest() {
  return readManifestFile();
}
