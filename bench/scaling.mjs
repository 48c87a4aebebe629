/**
 * Area "scaling" (issue 11): how the SDK's time and peak memory grow with the work.
 * - Segmentation over volume sizes 128^3, 256^3, 512x512x300 (--quick: 128^3 only): four int16
 *   NIfTI modalities -> the BraTS-style plan (stack, nonzero channel-wise z-score) -> nnU-Net-style
 *   sliding window (128^3 patches, step 0.5, gaussian blending) -> softmax -> argmax -> volumes.
 *   Model: the 3D U-Net of the pipelines area with 8 base features (unet3d_lite, 16x cheaper than
 *   the 32-feature one) so that 512x512x300 finishes on a 2-core machine. Cost per voxel (ns) for
 *   the SDK and for bare session.run over the same windows; peak RSS per case (own process).
 * - Batch classification over 1, 8, 64 images (DenseNet-121, 1024^2 PNGs, runBatch; chunks of the
 *   manifest's batch 8): ms per image for the SDK and for bare session.run on the same chunks.
 *   npm run build && node bench/scaling.mjs [--quick]
 * Writes scaling.json to $MEDINFER_BENCH_RESULTS_DIR or bench/results/.
 */
import { runNodeCase } from './lib/child.mjs';
import { compareSdkWithOrt } from './lib/compare.mjs';
import { benchEntries, ensureBenchModels, loadManifest } from './lib/entries.mjs';
import { benchTempDir, writeMultiModal, writeRadiographs } from './lib/inputs.mjs';
import { machineNote, makeFigure } from './lib/stats.mjs';
import { writeAreaResult } from './lib/write-result.mjs';

const quick = process.argv.includes('--quick');
// MEDINFER_BENCH_SEG_SIZES="128x128x128,256x256x256" / MEDINFER_BENCH_BATCHES="1,8,64" override the lists ("none": empty).
const envList = (name, parse) => (process.env[name] === 'none' ? [] : process.env[name] ? process.env[name].split(',').map(parse) : undefined);
const SEG_SIZES =
  envList('MEDINFER_BENCH_SEG_SIZES', (s) => s.split('x').map(Number)) ??
  (quick
    ? [[128, 128, 128]]
    : [
        [128, 128, 128],
        [256, 256, 256],
        [512, 512, 300],
      ]);
const BATCHES = envList('MEDINFER_BENCH_BATCHES', Number) ?? (quick ? [1, 8] : [1, 8, 64]);
// MEDINFER_BENCH_SEG_SINGLE="512x512x300": sizes measured with ONE pass per side (SDK, then bare ORT,
// each in its own process: time + peak RSS) when medians of several runs do not fit the time available.
const SEG_SINGLE = envList('MEDINFER_BENCH_SEG_SINGLE', (s) => s.split('x').map(Number)) ?? [];
const runs = (voxels) => (quick ? 2 : voxels > 1e7 ? 2 : 3); // 256^3 and up: 2 runs (minutes each on 2 cores)

const manifest = await loadManifest();
const dir = benchTempDir();
const figures = [];
const skipped = [];
const models = await ensureBenchModels();
if (!models.ok) skipped.push(`all: ${models.reason}`);
const entries = models.ok ? benchEntries(manifest) : undefined;

for (const size of entries ? SEG_SIZES : []) {
  const voxels = size.reduce((a, b) => a * b, 1);
  const input = { volumes: writeMultiModal(dir, size) };
  // median of 3 drops a slow first run
  const spec = { task: 'segmentation', entry: entries.scaling, input, runs: runs(voxels), warmup: quick || voxels > 1e7 ? 0 : 1, threads: 2 };
  console.error(`  segmentation ${size.join('x')}`);
  const c = await compareSdkWithOrt(spec, { timeoutMs: 3_600_000, mode: quick ? 'separate' : 'alternate' });
  const ns = (ms) => (ms * 1e6) / voxels;
  const bytesPerVoxel = c.sdkRssMB !== undefined ? Number(((c.sdkRssMB * 2 ** 20) / voxels).toFixed(1)) : null;
  figures.push(
    makeFigure(
      `segmentation ${size.join('x')} (4 channels, unet3d_lite, 128^3 windows): cost per voxel`,
      'ns/voxel',
      ns(c.sdkMs),
      `bare session.run over the same windows (${c.calls})`,
      ns(c.ortMs),
      {
        voxels,
        runs: spec.runs,
        sdkSeconds: c.sdkMs / 1000,
        baselineSeconds: c.ortMs / 1000,
        maxRssMB: c.sdkRssMB,
        baselineMaxRssMB: c.ortRssMB,
        rssBytesPerVoxel: bytesPerVoxel,
        note: [
          c.ok ? `SDK ${(c.sdkMs / 1000).toFixed(1)} s vs bare ${(c.ortMs / 1000).toFixed(1)} s; SDK peak RSS ${bytesPerVoxel} B per voxel` : '',
          ...c.errors,
        ]
          .filter(Boolean)
          .join('; '),
      },
    ),
  );
}

for (const size of entries ? SEG_SINGLE : []) {
  const voxels = size.reduce((a, b) => a * b, 1);
  console.error(`  segmentation ${size.join('x')} (one pass per side)`);
  const spec = { task: 'segmentation', entry: entries.scaling, input: { volumes: writeMultiModal(dir, size) }, runs: 1, warmup: 0, threads: 2 };
  const sdk = await runNodeCase({ ...spec, side: 'sdk' }, { timeoutMs: 3_600_000 });
  const ort = await runNodeCase({ ...spec, side: 'ort' }, { timeoutMs: 3_600_000 });
  const ms = sdk.ok ? sdk.result.timesMs[0] : NaN;
  const bareMs = ort.ok ? ort.result.timesMs[0] : NaN;
  const bytesPerVoxel = sdk.ok ? Number(((sdk.result.maxRssMB * 2 ** 20) / voxels).toFixed(1)) : null;
  figures.push(
    makeFigure(
      `segmentation ${size.join('x')} (4 channels, unet3d_lite, 128^3 windows): cost per voxel, ONE pass per side`,
      'ns/voxel',
      (ms * 1e6) / voxels,
      `bare session.run over the same windows (${ort.ok ? ort.result.detail.calls : '?'}), one pass, own process`,
      (bareMs * 1e6) / voxels,
      {
        voxels,
        runs: 1,
        sdkSeconds: ms / 1000,
        baselineSeconds: bareMs / 1000,
        maxRssMB: sdk.ok ? Number(sdk.result.maxRssMB.toFixed(0)) : undefined,
        baselineMaxRssMB: ort.ok ? Number(ort.result.maxRssMB.toFixed(0)) : undefined,
        rssBytesPerVoxel: bytesPerVoxel,
        note: [
          `one run per side (time budget), no warm-up, sides in sequence; SDK ${(ms / 1000).toFixed(1)} s vs bare ${(bareMs / 1000).toFixed(1)} s; ` +
            `SDK peak RSS ${bytesPerVoxel} B per voxel`,
          ...(sdk.ok ? [] : [`SDK failed: ${sdk.error}`]),
          ...(ort.ok ? [] : [`bare ORT failed: ${ort.error}`]),
        ].join('; '),
      },
    ),
  );
}

const images = entries ? await writeRadiographs(dir, 8) : [];
for (const n of entries ? BATCHES : []) {
  const spec = {
    task: 'classification',
    entry: entries.classification,
    input: { images: Array.from({ length: n }, (_, i) => images[i % images.length]) },
    runs: quick ? 2 : 5,
    warmup: quick ? 0 : 1,
    threads: 2,
  };
  console.error(`  classification batch ${n}`);
  const c = await compareSdkWithOrt(spec, { mode: quick ? 'separate' : 'alternate' });
  figures.push(
    makeFigure(
      `classification runBatch of ${n} (DenseNet-121, 1024^2 PNG): cost per image`,
      'ms/image',
      c.sdkMs / n,
      `bare session.run on the same batch chunks (${c.calls} x batch <= 8)`,
      c.ortMs / n,
      {
        images: n,
        runs: spec.runs,
        maxRssMB: c.sdkRssMB,
        baselineMaxRssMB: c.ortRssMB,
        note: c.errors.join('; '),
      },
    ),
  );
}

const result = {
  area: 'scaling',
  date: new Date().toISOString(),
  quick,
  ...machineNote(),
  description:
    `Cost per unit of work as the work grows (per voxel for segmentation, per image for batch classification), SDK vs bare ONNX Runtime on the same ` +
    `calls, peak RSS per case (own process; ` +
    `${quick ? 'quick: each side in its own process back to back' : 'timing with runs alternated in one process'}). Flat per-unit cost = linear ` +
    `scaling.`,
  figures,
  segmentationSizes: SEG_SIZES.map((s) => s.join('x')),
  segmentationSinglePass: SEG_SINGLE.map((s) => s.join('x')),
  batches: BATCHES,
  skipped: [...skipped, ...(quick ? ['segmentation 256^3 and 512x512x300, classification batch 64: full run only (node bench/run.mjs without --quick)'] : [])],
};
const path = writeAreaResult('scaling', result);
for (const f of figures) console.log(`${f.name}: ${f.median} ${f.unit} vs ${f.baselineMedian} -> ratio ${f.ratio} (peak RSS ${f.maxRssMB} MB)`);
console.log(`wrote ${path}`);
