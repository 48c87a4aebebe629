/**
 * brainchop's full-volume pipeline on a conformed T1, for the reference label maps.
 *
 * Two ways, both with brainchop's own code for everything around the network:
 * - 'tfjs': brainchop's runFullVolumeInference (inference-logic.js) itself with the upstream tfjs
 *   model: normalisation, mask, crop, transpose, every layer, argmax, un-crop, post-process.
 * - 'onnx': the same steps in the same order, each one brainchop's exported function
 *   (minMax/quantileNormalizeVolumeData, applyMriThreshold, firstLastNonZero3D, generateBrainMask,
 *   processSegmentationVolume with its BWLabeler) - only the network (layers + argmax) runs as the
 *   converted ONNX in onnxruntime-node, checked against tfjs on blocks by network-blocks.mjs.
 *   cropAndGetCorner / restoreTo256Cube are not exported upstream; corner() / uncrop() below follow
 *   them line for line (bounding box inclusive, padding clamped to 0..255).
 * The pre-model (preModelId) runs as brainchop's inferenceFullVolumePhase1 does: whole uncropped
 * volume, the pre-model's own normalisation, transpose, argmax, transpose back, generateBrainMask.
 */

const SIZE = 256;

export const opts = { batchSize: 1, numOfChan: 1, isPostProcessEnable: true, isColorEnable: true, bgLabelValue: 0 };

/** Network of one entry on a [k][j][i] volume: returns the int32 argmax in the input's shape ([k][j][i] after back-transpose). */
async function networkArgmax(up, net, entry, vol) {
  const { tf } = up;
  const x = entry.enableTranspose ? vol.transpose() : vol;
  const labels = await net(x); // Int32Array in x's shape
  const out = tf.tensor(labels, x.shape, 'int32');
  if (x !== vol) x.dispose();
  const back = entry.enableTranspose ? out.transpose() : out;
  if (back !== out) out.dispose();
  return back;
}

/** onnxruntime network: float32 volume tensor [D, H, W] -> argmax labels (first maximum wins, as tf.argMax). */
export function onnxNetwork(ort, session) {
  return async (x) => {
    const [d, h, w] = x.shape;
    const data = await x.data();
    const result = await session.run({ input: new ort.Tensor('float32', data, [1, 1, d, h, w]) });
    const logits = result.logits.data;
    const n = d * h * w;
    const c = result.logits.dims[1];
    const labels = new Int32Array(n);
    for (let v = 0; v < n; v++) {
      let best = 0;
      let max = logits[v];
      for (let k = 1; k < c; k++) {
        const s = logits[k * n + v];
        if (s > max) {
          max = s;
          best = k;
        }
      }
      labels[v] = best;
    }
    return labels;
  };
}

function adjust(min, max, pad) {
  const startPad = Math.min(min, pad);
  const endPad = Math.min(SIZE - 1 - max, pad);
  return [Math.max(0, min - startPad), Math.min(SIZE - 1, max + endPad)];
}

export async function corner(up, mask, pad) {
  const [r0, r1, c0, c1, d0, d1] = await up.utils.firstLastNonZero3D(mask);
  const [rs, re] = adjust(r0, r1, pad);
  const [cs, ce] = adjust(c0, c1, pad);
  const [ds, de] = adjust(d0, d1, pad);
  return { start: [rs, cs, ds], size: [re - rs + 1, ce - cs + 1, de - ds + 1] };
}

function uncrop(up, t, start) {
  const pads = t.shape.map((s, a) => [start[a], Math.max(0, SIZE - s - start[a])]);
  return t.pad(pads);
}

async function normalise(up, entry, slices) {
  return entry.enableQuantileNorm ? up.utils.quantileNormalizeVolumeData(slices) : up.utils.minMaxNormalizeVolumeData(slices);
}

/** The pre-model's brain mask ([k][j][i], 0/1) as inferenceFullVolumePhase1 makes it. */
export async function preModelMask(up, preEntry, entry, net, slices) {
  const norm = await normalise(up, preEntry, slices);
  const labels = await networkArgmax(up, net, preEntry, norm);
  norm.dispose();
  const mask = await up.utils.generateBrainMask(
    up.tf.unstack(labels),
    SIZE,
    SIZE,
    SIZE,
    entry,
    opts,
    () => {},
    () => {},
    false,
  );
  labels.dispose();
  return mask;
}

/** runFullVolumeInference with the network replaced by `net`; returns brainchop's output image and the crop. */
export async function runWithNetwork(up, entry, net, slices, preMask, niftiImage) {
  const { tf, utils } = up;
  const norm = await normalise(up, entry, slices);
  let mask;
  if (preMask) mask = preMask.greater([0]).asType('bool');
  else if (entry.autoThreshold > 0 && entry.autoThreshold <= 1) mask = await utils.applyMriThreshold(norm, entry.autoThreshold);
  else mask = norm.greater([0]).asType('bool');
  const crop = await corner(up, mask, entry.cropPadding);
  mask.dispose();
  const cropped = norm.slice(crop.start, crop.size);
  norm.dispose();
  const labels = await networkArgmax(up, net, entry, cropped);
  cropped.dispose();
  const full = uncrop(up, labels, crop.start);
  labels.dispose();
  const img = await utils.processSegmentationVolume(full, niftiImage, entry, opts);
  full.dispose();
  return { img, crop };
}

/** brainchop's own runFullVolumeInference with the tfjs model (slow on tfjs's CPU backend). */
export async function runTfjsFull(up, entry, model, slices, preMask, niftiImage) {
  let img = null;
  const log = console.log;
  console.log = () => {}; // brainchop logs every layer
  try {
    await up.logic.runFullVolumeInference(
      opts,
      entry,
      Promise.resolve(model),
      slices,
      preMask,
      {},
      (out) => {
        img = out;
      },
      () => {},
      niftiImage,
    );
  } finally {
    console.log = log;
  }
  if (!img) throw new Error(`brainchop's runFullVolumeInference gave no image for entry ${entry.id}`);
  return { img };
}
