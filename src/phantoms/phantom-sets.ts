/**
 * Phantom datasets as files: `count` cases of one generator with their ground truth in the layouts
 * public datasets use (CSV label tables, LUNA16 annotations, DIR-Lab landmarks), for training and
 * evaluating models and for `medinfer eval`. The one writer of phantom sets: the training scripts
 * (scripts/phantoms/generate.mjs), the end-to-end tests and users call it. Isomorphic like
 * sample-inputs.ts: returns bytes, writes nothing; the caller supplies the 16-bit PNG encoder.
 * Case i of (task, seed) is generateX({ seed: caseSeed(seed, i) }).
 *
 * Layouts (POSIX paths relative to the set's folder):
 *   cxr:       images/cxr-NNNNN.png (16-bit grey, 12-bit values), labels.csv, boxes.csv
 *   brats:     case-NNNNN/{t1,t1ce,t2,flair,seg}.nii.gz (LPS geometry stored as RAS NIfTI), tumours.csv
 *   reports:   reports.jsonl ({id, text, labels[14]}), reports.csv (CheXpert labeler layout)
 *   chest-ct:  scans/<uid>.nii.gz (int16 HU), annotations.csv (LUNA16: seriesuid, coordX, coordY,
 *              coordZ in LPS world mm, diameter_mm), seriesuids.csv (every scan, with or without nodules)
 *   lung-pair: caseN/{T00,T50}.nii.gz (inhale, exhale), caseN/caseN_300_T{00,50}_xyz.txt (DIR-Lab
 *              layout), caseN/displacement_mm_{x,y,z}.nii.gz (exact field on the T50 grid, LPS mm)
 *   every set: dataset.json ({ generator, seed, count, ... })
 */
import { UsageError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { writeNifti } from '../io/nifti/write-nifti.js';
import { generateBrainMri } from './brain-mri.js';
import { generateChestCt } from './chest-ct.js';
import { generateChestRadiograph } from './chest-radiograph.js';
import { CXR_MAX_VALUE } from './chest-radiograph.js';
import { BRAIN_MODALITIES, BRATS_LABELS, CHEXPERT_OBSERVATIONS, CXR_FINDINGS } from './labels.js';
import { generateLungCtPair } from './lung-ct-pair.js';
import { caseSeed } from './prng.js';
import { generateReportText } from './report-text.js';
import { formatDirLabLandmarks, type SampleInputFile } from './sample-inputs.js';

export const PHANTOM_SET_TASKS = ['cxr', 'brats', 'reports', 'chest-ct', 'lung-pair'] as const;
export type PhantomSetTask = (typeof PHANTOM_SET_TASKS)[number];

export interface PhantomSetOptions {
  readonly count: number;
  readonly seed: number;
  /** 2D uint16 grey volume -> PNG bytes keeping all 16 bits (cxr only). */
  readonly encodePng16?: (volume: Volume) => Promise<Uint8Array> | Uint8Array;
  /** gzip for .nii.gz (default: the NIfTI writer's own). */
  readonly gzip?: (bytes: Uint8Array) => Uint8Array;
}

export interface PhantomSet {
  readonly files: SampleInputFile[];
  /** Written as dataset.json (also among `files`). */
  readonly dataset: Readonly<Record<string, unknown>>;
}

interface Writer {
  readonly generator: string;
  write(o: PhantomSetOptions, files: SampleInputFile[]): Promise<Record<string, unknown>>;
}

const text = (s: string) => new TextEncoder().encode(s);
const lines = (rows: readonly string[]) => text(rows.join('\n') + '\n');
const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const pad5 = (i: number) => String(i).padStart(5, '0');

function niftiOf(o: PhantomSetOptions): (v: Volume) => Uint8Array {
  return (v) => writeNifti(v, { gzip: true, ...(o.gzip ? { compress: o.gzip } : {}) });
}

const WRITERS: Readonly<Record<PhantomSetTask, Writer>> = {
  cxr: {
    generator: 'phantom-cxr',
    async write(o, files) {
      const encode = o.encodePng16;
      if (!encode) throw new UsageError('createPhantomSet(cxr): needs encodePng16 (a 16-bit PNG encoder)');
      const labelRows = [['file', ...CXR_FINDINGS, 'cardiothoracic_ratio'].join(',')];
      const boxRows = ['file,label,x0,y0,x1,y1'];
      for (let i = 0; i < o.count; i++) {
        const { image, truth } = generateChestRadiograph({ seed: caseSeed(o.seed, i) });
        const file = `images/cxr-${pad5(i)}.png`;
        files.push({ path: file, bytes: await encode(image) });
        labelRows.push([file, ...CXR_FINDINGS.map((f) => truth.labels[f]), truth.cardiothoracicRatio.toFixed(4)].join(','));
        for (const b of truth.boxes) boxRows.push([file, b.label, ...b.box].join(','));
      }
      files.push({ path: 'labels.csv', bytes: lines(labelRows) }, { path: 'boxes.csv', bytes: lines(boxRows) });
      return { labels: CXR_FINDINGS, maxValue: CXR_MAX_VALUE };
    },
  },
  brats: {
    generator: 'phantom-brats',
    async write(o, files) {
      const nifti = niftiOf(o);
      const rows = ['case,center_x_mm,center_y_mm,center_z_mm,core_radius_mm,rim_mm,edema_radius_mm,voxels_ncr,voxels_ed,voxels_et'];
      for (let i = 0; i < o.count; i++) {
        const name = `case-${pad5(i)}`;
        const mri = generateBrainMri({ seed: caseSeed(o.seed, i) });
        for (const m of BRAIN_MODALITIES) files.push({ path: `${name}/${m}.nii.gz`, bytes: nifti(mri.images[m]) });
        files.push({ path: `${name}/seg.nii.gz`, bytes: nifti(mri.labels) });
        const t = mri.tumour;
        // Sets are drawn with a tumour (the generator's default); a row without one has empty sizes.
        rows.push(
          t === null
            ? `${name},,,,,,,0,0,0`
            : [
                name,
                ...t.centerMm.map((v) => v.toFixed(3)),
                t.coreRadiusMm.toFixed(3),
                t.rimThicknessMm.toFixed(3),
                t.edemaRadiusMm.toFixed(3),
                t.voxels.necroticCore,
                t.voxels.edema,
                t.voxels.enhancing,
              ].join(','),
        );
      }
      files.push({ path: 'tumours.csv', bytes: lines(rows) });
      return { modalities: BRAIN_MODALITIES, labels: BRATS_LABELS };
    },
  },
  reports: {
    generator: 'phantom-reports',
    async write(o, files) {
      const jsonl: string[] = [];
      const csv = [['Reports', ...CHEXPERT_OBSERVATIONS].map(csvField).join(',')];
      for (let i = 0; i < o.count; i++) {
        const r = generateReportText({ seed: caseSeed(o.seed, i) });
        jsonl.push(JSON.stringify({ id: i, text: r.text, labels: r.labels }));
        csv.push([csvField(r.text), ...r.labels.map((v) => (v === null ? '' : String(v)))].join(','));
      }
      files.push({ path: 'reports.jsonl', bytes: lines(jsonl) }, { path: 'reports.csv', bytes: lines(csv) });
      return { labels: CHEXPERT_OBSERVATIONS };
    },
  },
  'chest-ct': {
    generator: 'phantom-chest-ct',
    async write(o, files) {
      const nifti = niftiOf(o);
      const rows = ['seriesuid,coordX,coordY,coordZ,diameter_mm'];
      const uids = ['seriesuid'];
      for (let i = 0; i < o.count; i++) {
        const uid = `phantom.${o.seed}.${i}`;
        const ct = generateChestCt({ seed: caseSeed(o.seed, i) });
        files.push({ path: `scans/${uid}.nii.gz`, bytes: nifti(ct.image) });
        for (const n of ct.nodules) rows.push([uid, ...n.centerMm.map((v) => v.toFixed(3)), n.diameterMm.toFixed(3)].join(','));
        uids.push(uid);
      }
      files.push({ path: 'annotations.csv', bytes: lines(rows) }, { path: 'seriesuids.csv', bytes: lines(uids) });
      return { coordinates: 'LPS world mm (LUNA16 / ITK convention)' };
    },
  },
  'lung-pair': {
    generator: 'phantom-lung-pair',
    async write(o, files) {
      const nifti = niftiOf(o);
      for (let i = 0; i < o.count; i++) {
        const name = `case${i + 1}`;
        const pair = generateLungCtPair({ seed: caseSeed(o.seed, i) });
        files.push({ path: `${name}/T00.nii.gz`, bytes: nifti(pair.inhale) }, { path: `${name}/T50.nii.gz`, bytes: nifti(pair.exhale) });
        files.push({ path: `${name}/${name}_300_T00_xyz.txt`, bytes: text(formatDirLabLandmarks(pair.landmarksInhale)) });
        files.push({ path: `${name}/${name}_300_T50_xyz.txt`, bytes: text(formatDirLabLandmarks(pair.landmarksExhale)) });
        // One scalar file per LPS component: simple to read anywhere (no 5D vector-intent NIfTI).
        const u = pair.displacementMm;
        for (let c = 0; c < 3; c++) {
          const comp = new Float32Array(u.data.length / 3);
          for (let p = 0; p < comp.length; p++) comp[p] = u.data[3 * p + c]!;
          files.push({
            path: `${name}/displacement_mm_${'xyz'[c]}.nii.gz`,
            bytes: nifti({ geometry: u.geometry, type: 'float32', components: 1, frames: 1, data: comp, meta: {} }),
          });
        }
      }
      return { fixed: 'T50 (exhale)', moving: 'T00 (inhale)', landmarks: 'DIR-Lab layout, 1-based voxel indices x y z' };
    },
  },
};

/** The files of a phantom set (see the layouts above), dataset.json last. */
export async function createPhantomSet(task: PhantomSetTask, options: PhantomSetOptions): Promise<PhantomSet> {
  const writer = WRITERS[task];
  if (!writer) throw new UsageError(`createPhantomSet: task must be one of ${PHANTOM_SET_TASKS.join(', ')}, got '${task}'`);
  if (!Number.isInteger(options.count) || options.count < 1) throw new UsageError(`createPhantomSet: count must be a positive integer, got ${options.count}`);
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new UsageError(`createPhantomSet: seed must be a non-negative integer, got ${options.seed}`);
  const files: SampleInputFile[] = [];
  const extra = await writer.write(options, files);
  const dataset = { generator: writer.generator, seed: options.seed, count: options.count, ...extra };
  files.push({ path: 'dataset.json', bytes: text(JSON.stringify(dataset, null, 2) + '\n') });
  return { files, dataset };
}
