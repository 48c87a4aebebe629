#!/usr/bin/env node
// Issue 7's speed figures, measured in one process with alternating runs:
//  1. classification of a 2048x2048 16-bit DICOM radiograph end to end (file read, DICOM decode,
//     TorchXRayVision plan, DenseNet-121 224, sigmoid) vs bare session.run() on the prepared
//     tensor: overhead = (pipeline - bare) / pipeline, goal <= 15%;
//  2. 3D detection of a 512x512x300 CT phantom with the bundled nodule detector (resample,
//     sliding windows, NMS) vs bare session.run() over the same windows.
//   node bench/pipeline-overhead.mjs [--quick]   (needs .cache/bench-models/densenet121.onnx and
//   Debian python3-pydicom to write the DICOM; run `npm run build` first)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseSeed, generateChestCt, generateChestRadiograph, getModelEntry, runPreprocessPlan } from '../dist/index.js';
import { createPipeline, readImageFile, readManifestFile } from '../dist/node.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 7;
const root = fileURLToPath(new URL('..', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(join(tmpdir(), 'medinfer-bench-overhead-'));
const figures = [];

async function classification() {
  const model = join(root, '.cache/bench-models/densenet121.onnx');
  if (!existsSync(model)) return console.log('skipped: .cache/bench-models/densenet121.onnx missing (bench/python/export_models.py)');
  const image = generateChestRadiograph({ seed: 5, size: 2048 }).image;
  writeFileSync(join(work, 'cxr.raw'), Buffer.from(image.data.buffer));
  const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, pydicom, sys
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
px = np.fromfile('${join(work, 'cxr.raw')}', dtype='<u2').reshape(2048, 2048)
meta = FileMetaDataset(); meta.TransferSyntaxUID = ExplicitVRLittleEndian; meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.1.1'; meta.MediaStorageSOPInstanceUID = generate_uid()
ds = FileDataset('${join(work, 'cxr.dcm')}', {}, file_meta=meta, preamble=b'\\0' * 128)
ds.Modality = 'DX'; ds.Rows = 2048; ds.Columns = 2048; ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'
ds.BitsAllocated = 16; ds.BitsStored = 12; ds.HighBit = 11; ds.PixelRepresentation = 0; ds.PixelSpacing = [0.15, 0.15]
ds.SOPClassUID = meta.MediaStorageSOPClassUID; ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID; ds.SeriesInstanceUID = generate_uid()
ds.PixelData = px.tobytes(); ds.is_little_endian = True; ds.is_implicit_VR = False
ds.save_as('${join(work, 'cxr.dcm')}')
`], { encoding: 'utf8' });
  if (py.status !== 0) return console.log(`skipped: could not write the DICOM with pydicom: ${py.stderr.slice(-300)}`);
  mkdirSync(join(work, 'models'), { recursive: true });
  copyFileSync(model, join(work, 'models/densenet121.onnx'));
  const sha256 = createHash('sha256').update(readFileSync(model)).digest('hex');
  writeFileSync(join(work, 'm.json'), JSON.stringify({ manifestVersion: 1, datasets: { p: { name: 'p', tasks: ['classification'], modality: 'DX', acquisition: { kind: 'generated' } } }, models: { dn: {
    task: 'classification', title: 'DenseNet-121 (random weights)', datasets: ['p'], architecture: 'DenseNet-121', dimensionality: 2,
    files: [{ role: 'model', path: 'models/densenet121.onnx', sha256 }], weights: { kind: 'bundled' },
    io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 224, 224] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 18] }] },
    preprocess: [{ op: 'invertMonochrome1' }, { op: 'xrvNormalize', maxval: 'bitsStored' }, { op: 'cropPad', mode: 'centerSquare' }, { op: 'resize', size: [224, 224], mode: 'area' }, { op: 'toTensor', layout: 'NCHW', dtype: 'float32' }],
    inference: { mode: 'whole' }, postprocess: [{ op: 'sigmoid' }], labels: Array.from({ length: 18 }, (_, i) => `l${i}`), intendedUse: 'benchmark only' } } }));
  const manifest = await readManifestFile(join(work, 'm.json'));
  const pipe = await createPipeline('classification', 'dn', { manifest, provider: 'cpu' });
  const prepared = runPreprocessPlan(await readImageFile(join(work, 'cxr.dcm')), getModelEntry(manifest, 'dn').preprocess).tensor;
  const session = await (await import('../dist/node.js')).createModelSession((await import('../dist/node.js')).createNodeBackend(), { path: join(work, 'models/densenet121.onnx') }, { provider: 'cpu' });
  const feed = { image: { type: 'float32', dims: prepared.dims, data: prepared.data } };
  await pipe.run(join(work, 'cxr.dcm'));
  await session.run(feed);
  const sdk = [];
  const bare = [];
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    await pipe.run(join(work, 'cxr.dcm'));
    sdk.push(performance.now() - t);
    t = performance.now();
    await session.run(feed);
    bare.push(performance.now() - t);
  }
  await pipe.dispose();
  await session.dispose();
  const s = median(sdk);
  const b = median(bare);
  figures.push({ name: 'classification of a 2048x2048 16-bit DICOM (DenseNet-121 224, random weights): end to end vs bare session.run', unit: 'ms', median: s, baseline: 'bare session.run on the prepared tensor', baselineMedian: b, ratio: s / b, overheadShare: (s - b) / s, goalOverheadShare: 0.15 });
}

async function detection3d() {
  const manifest = await readManifestFile();
  const id = 'medinfer-nodule-det3d-phantom';
  if (!manifest.models[id]) return console.log('skipped: no bundled 3D detector');
  // --quick: half of every axis (same spacing, an eighth of the windows).
  const size = quick ? [256, 256, 150] : [512, 512, 300];
  const ct = generateChestCt({ seed: caseSeed(7, 0), size }).image;
  const pipe = await createPipeline('detection', id, { manifest, provider: 'cpu' });
  const entry = getModelEntry(manifest, id);
  const prepared = runPreprocessPlan(ct, entry.preprocess).tensor;
  const { runSlidingWindow } = await import('../dist/index.js');
  const session = await (await import('../dist/node.js')).createModelSession((await import('../dist/node.js')).createNodeBackend(), { path: join(root, entry.files[0].path) }, { provider: 'cpu' });
  // Bare: every window of the same grid through session.run, nothing else (no resample, no NMS).
  const roi = entry.inference.roi;
  let windows = 0;
  const bareOnce = async () => {
    windows = 0;
    await runSlidingWindow({ data: prepared.data, dims: prepared.dims }, async (w) => {
      windows++;
      await session.run({ image: { type: 'float32', dims: w.dims, data: w.data } });
      return { data: new Float32Array(w.data.length), dims: w.dims };
    }, { roi, overlap: entry.inference.overlap, placement: 'monai' });
  };
  const runs = quick ? 1 : 3;
  const sdk = [];
  const bare = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const result = await pipe.run(ct);
    sdk.push(performance.now() - t);
    t = performance.now();
    await bareOnce();
    bare.push(performance.now() - t);
    if (r === 0) console.log(`3D detection: ${result.detections.length} candidates, ${windows} windows`);
  }
  await pipe.dispose();
  await session.dispose();
  figures.push({ name: `3D detection of a ${size.join('x')} CT phantom (bundled detector, ${windows} windows of ${roi.join('x')})`, unit: 'ms', median: median(sdk), baseline: 'bare session.run over the same windows (plus window extraction)', baselineMedian: median(bare), ratio: median(sdk) / median(bare) });
}

try {
  await classification();
  await detection3d();
} finally {
  rmSync(work, { recursive: true, force: true });
}
for (const f of figures) console.log(`${f.name}: ${f.median.toFixed(1)} vs ${f.baselineMedian.toFixed(1)} ms, ratio ${f.ratio.toFixed(3)}${f.overheadShare !== undefined ? `, overhead ${(100 * f.overheadShare).toFixed(1)}% of the total` : ''}`);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/pipeline-overhead.json', import.meta.url), JSON.stringify({ area: 'pipeline-overhead', date: new Date().toISOString(), figures }, null, 2) + '\n');
