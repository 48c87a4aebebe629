#!/usr/bin/env node
// Writes phantom datasets to disk for training and evaluation of the bundled models.
//
//   node scripts/phantoms/generate.mjs --task cxr|brats|reports|chest-ct|lung-pair --count N --seed S --out DIR
//
// The generators are the SDK's own (src/phantoms/), bundled on the fly with esbuild (a dev
// dependency) into .cache/ together with the SDK's writeNifti (src/io/nifti), so this script
// needs no prior `npm run build` and always uses the current sources. Case i of (task, seed) is identical to generateX({ seed: caseSeed(seed, i) })
// in the SDK, which is what the end-to-end tests regenerate.
//
// Outputs (all under --out):
//   cxr:     images/cxr-NNNNN.png (16-bit grey, 12-bit values), labels.csv, boxes.csv
//   brats:   case-NNNNN/{t1,t1ce,t2,flair,seg}.nii.gz (LPS geometry stored as RAS NIfTI), tumours.csv
//   reports: reports.jsonl ({id, text, labels[14]}), reports.csv (CheXpert labeler layout)
//   chest-ct: scans/<uid>.nii.gz (int16 HU), annotations.csv (LUNA16: seriesuid, coordX, coordY,
//            coordZ in LPS world mm, diameter_mm), seriesuids.csv (every scan, with or without nodules)
//   lung-pair: caseN/{T00,T50}.nii.gz (inhale, exhale), caseN/caseN_300_T00_xyz.txt and _T50_xyz.txt
//            (DIR-Lab layout: "x y z" per line, 1-based voxel indices; ours keep 2 decimals because the
//            truth is continuous), caseN/displacement_mm_{x,y,z}.nii.gz (exact field u on the T50 grid, LPS mm)
//   every task: dataset.json ({ generator, seed, count, ... })
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodePng16 } from './png16.mjs';
import { encodeNifti1 } from './nifti1.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const args = { task: '', count: 10, seed: 0, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--task') args.task = value;
    else if (key === '--count') args.count = Number(value);
    else if (key === '--seed') args.seed = Number(value);
    else if (key === '--out') args.out = value;
    else if (key === '--help' || key === '-h') return { ...args, help: true };
    else throw new Error(`unknown argument ${key}`);
    i++;
  }
  if (!Object.hasOwn(GENERATORS, args.task)) throw new Error(`--task must be one of ${Object.keys(GENERATORS).join(', ')}, got '${args.task}'`);
  if (!Number.isInteger(args.count) || args.count < 1) throw new Error(`--count must be a positive integer`);
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new Error(`--seed must be a non-negative integer`);
  if (!args.out) throw new Error('--out DIR is required');
  return args;
}

/**
 * Bundles src/phantoms (and the SDK's NIfTI writer) into one ESM file and imports it. If the
 * writer cannot be bundled (a checkout without src/io/nifti), the minimal writer in nifti1.mjs
 * is used instead; both store the LPS geometry as a RAS sform + qform.
 */
async function loadPhantoms() {
  const { build } = await import('esbuild');
  const outfile = join(root, '.cache', 'phantoms-bundle.mjs');
  const base = "export * from './src/phantoms/index.ts';";
  const bundle = (contents) => build({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'neutral', mainFields: ['module', 'main'], format: 'esm', outfile, logLevel: 'silent' });
  try {
    await bundle(`${base} export { writeNifti } from './src/io/nifti/write-nifti.ts';`);
  } catch {
    await bundle(base);
  }
  return import(pathToFileURL(outfile).href + `?t=${Date.now()}`);
}

/** .nii.gz bytes of a phantom volume: the SDK's writeNifti when bundled, else the minimal writer. */
function niftiBytes(P, volume, description) {
  if (typeof P.writeNifti === 'function') return P.writeNifti(volume, { gzip: true, compress: (b) => gzipSync(b, { level: 6 }) });
  return encodeNifti1(volume, { gzip: true, description });
}

function csvEscape(s) {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writeCxr(P, { count, seed, out }) {
  mkdirSync(join(out, 'images'), { recursive: true });
  const labelRows = [['file', ...P.CXR_FINDINGS, 'cardiothoracic_ratio'].join(',')];
  const boxRows = ['file,label,x0,y0,x1,y1'];
  for (let i = 0; i < count; i++) {
    const { image, truth } = P.generateChestRadiograph({ seed: P.caseSeed(seed, i) });
    const file = `images/cxr-${String(i).padStart(5, '0')}.png`;
    writeFileSync(join(out, file), encodePng16(image.data, image.geometry.size[0], image.geometry.size[1]));
    labelRows.push([file, ...P.CXR_FINDINGS.map((f) => truth.labels[f]), truth.cardiothoracicRatio.toFixed(4)].join(','));
    for (const b of truth.boxes) boxRows.push([file, b.label, ...b.box].join(','));
  }
  writeFileSync(join(out, 'labels.csv'), labelRows.join('\n') + '\n');
  writeFileSync(join(out, 'boxes.csv'), boxRows.join('\n') + '\n');
  return { labels: P.CXR_FINDINGS, maxValue: P.CXR_MAX_VALUE };
}

function writeBrats(P, { count, seed, out }) {
  const rows = ['case,center_x_mm,center_y_mm,center_z_mm,core_radius_mm,rim_mm,edema_radius_mm,voxels_ncr,voxels_ed,voxels_et'];
  for (let i = 0; i < count; i++) {
    const name = `case-${String(i).padStart(5, '0')}`;
    const dir = join(out, name);
    mkdirSync(dir, { recursive: true });
    const mri = P.generateBrainMri({ seed: P.caseSeed(seed, i) });
    for (const m of P.BRAIN_MODALITIES) writeFileSync(join(dir, `${m}.nii.gz`), niftiBytes(P, mri.images[m], `medinfer phantom-brats ${m}`));
    writeFileSync(join(dir, 'seg.nii.gz'), niftiBytes(P, mri.labels, 'medinfer phantom-brats seg (BraTS 0/1/2/4)'));
    const t = mri.tumour;
    rows.push([name, ...t.centerMm.map((v) => v.toFixed(3)), t.coreRadiusMm.toFixed(3), t.rimThicknessMm.toFixed(3), t.edemaRadiusMm.toFixed(3), t.voxels.necroticCore, t.voxels.edema, t.voxels.enhancing].join(','));
  }
  writeFileSync(join(out, 'tumours.csv'), rows.join('\n') + '\n');
  return { modalities: P.BRAIN_MODALITIES, labels: P.BRATS_LABELS };
}

function writeReports(P, { count, seed, out }) {
  mkdirSync(out, { recursive: true });
  const jsonl = [];
  const csv = [['Reports', ...P.CHEXPERT_OBSERVATIONS].map(csvEscape).join(',')];
  for (let i = 0; i < count; i++) {
    const r = P.generateReportText({ seed: P.caseSeed(seed, i) });
    jsonl.push(JSON.stringify({ id: i, text: r.text, labels: r.labels }));
    csv.push([csvEscape(r.text), ...r.labels.map((v) => (v === null ? '' : String(v)))].join(','));
  }
  writeFileSync(join(out, 'reports.jsonl'), jsonl.join('\n') + '\n');
  writeFileSync(join(out, 'reports.csv'), csv.join('\n') + '\n');
  return { labels: P.CHEXPERT_OBSERVATIONS };
}

function writeChestCt(P, { count, seed, out }) {
  mkdirSync(join(out, 'scans'), { recursive: true });
  const rows = ['seriesuid,coordX,coordY,coordZ,diameter_mm'];
  const uids = ['seriesuid'];
  for (let i = 0; i < count; i++) {
    const uid = `phantom.${seed}.${i}`;
    const ct = P.generateChestCt({ seed: P.caseSeed(seed, i) });
    writeFileSync(join(out, 'scans', `${uid}.nii.gz`), niftiBytes(P, ct.image, 'medinfer phantom-chest-ct (HU)'));
    for (const n of ct.nodules) rows.push([uid, ...n.centerMm.map((v) => v.toFixed(3)), n.diameterMm.toFixed(3)].join(','));
    uids.push(uid);
  }
  writeFileSync(join(out, 'annotations.csv'), rows.join('\n') + '\n');
  writeFileSync(join(out, 'seriesuids.csv'), uids.join('\n') + '\n');
  return { coordinates: 'LPS world mm (LUNA16 / ITK convention)' };
}

function writeLungPair(P, { count, seed, out }) {
  // The SDK's DIR-Lab formatter (src/phantoms/sample-inputs.ts), shared with `medinfer samples`.
  const fmt = P.formatDirLabLandmarks;
  for (let i = 0; i < count; i++) {
    const name = `case${i + 1}`;
    const dir = join(out, name);
    mkdirSync(dir, { recursive: true });
    const pair = P.generateLungCtPair({ seed: P.caseSeed(seed, i) });
    writeFileSync(join(dir, 'T00.nii.gz'), niftiBytes(P, pair.inhale, 'medinfer phantom-lung-pair T00 inhale (HU)'));
    writeFileSync(join(dir, 'T50.nii.gz'), niftiBytes(P, pair.exhale, 'medinfer phantom-lung-pair T50 exhale (HU)'));
    writeFileSync(join(dir, `${name}_300_T00_xyz.txt`), fmt(pair.landmarksInhale));
    writeFileSync(join(dir, `${name}_300_T50_xyz.txt`), fmt(pair.landmarksExhale));
    const u = pair.displacementMm;
    // One scalar file per LPS component: simple to read anywhere (no 5D vector-intent NIfTI).
    for (let c = 0; c < 3; c++) {
      const comp = new Float32Array(u.data.length / 3);
      for (let p = 0; p < comp.length; p++) comp[p] = u.data[3 * p + c];
      const volume = { geometry: u.geometry, type: 'float32', components: 1, frames: 1, data: comp, meta: {} };
      writeFileSync(join(dir, `displacement_mm_${'xyz'[c]}.nii.gz`), niftiBytes(P, volume, `exact displacement ${'xyz'[c]} (LPS mm) on T50 grid`));
    }
  }
  return { fixed: 'T50 (exhale)', moving: 'T00 (inhale)', landmarks: 'DIR-Lab layout, 1-based voxel indices x y z' };
}

const GENERATORS = {
  cxr: ['phantom-cxr', writeCxr],
  brats: ['phantom-brats', writeBrats],
  reports: ['phantom-reports', writeReports],
  'chest-ct': ['phantom-chest-ct', writeChestCt],
  'lung-pair': ['phantom-lung-pair', writeLungPair],
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(`usage: generate.mjs --task ${Object.keys(GENERATORS).join('|')} --count N --seed S --out DIR`);
    return;
  }
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  const P = await loadPhantoms();
  const [generator, write] = GENERATORS[args.task];
  const started = Date.now();
  const extra = write(P, { ...args, out });
  writeFileSync(join(out, 'dataset.json'), JSON.stringify({ generator, seed: args.seed, count: args.count, ...extra }, null, 2) + '\n');
  console.log(`${generator}: ${args.count} cases (seed ${args.seed}) -> ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
