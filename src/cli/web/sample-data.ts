/**
 * Sample inputs for the web demo, generated from the seeded phantoms (no patient data, nothing
 * downloaded): a chest radiograph, a four-sequence brain MRI, a chest CT (3D nodule detection)
 * and an exhale / inhale lung CT pair (registration), as NIfTI (exact 16-bit samples in every
 * browser) plus an 8-bit PNG of the radiograph to show raster input. One real image: brainchop's
 * demo T1 (models/brainchop/sample/t1_crop.nii.gz, MIT, attribution in models/brainchop/) for the
 * brainchop models, served byte for byte as it ships.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../../io/nifti/write-nifti.js';
import { writePng } from '../../io/raster/node-raster.js';
import { generateBrainMri } from '../../phantoms/brain-mri.js';
import { generateChestCt } from '../../phantoms/chest-ct.js';
import { generateChestRadiograph } from '../../phantoms/chest-radiograph.js';
import { generateLungCtPair } from '../../phantoms/lung-ct-pair.js';
import { createVolume } from '../../core/volume.js';

/** The real T1 the brainchop models are demonstrated on, relative to the package root. */
export const BRAINCHOP_T1 = 'models/brainchop/sample/t1_crop.nii.gz';
export const BRAINCHOP_T1_SAMPLE = 'brain MRI T1, real (brainchop sample, 256^3 1 mm)';

export interface SampleSet {
  readonly name: string;
  readonly task: string;
  /** Input name -> file name under /samples/. */
  readonly files: Readonly<Record<string, string>>;
}

export interface SampleFiles {
  readonly index: SampleSet[];
  readonly files: Map<string, Uint8Array>;
}

export async function createSampleFiles(): Promise<SampleFiles> {
  const files = new Map<string, Uint8Array>();
  const cxr = generateChestRadiograph({ seed: 4242, size: 256, findings: { Cardiomegaly: true, Effusion: true } });
  files.set('cxr.nii.gz', writeNifti(cxr.image, { gzip: true }));
  const eight = new Uint8Array(cxr.image.data.length);
  for (let p = 0; p < eight.length; p++) eight[p] = Math.round((cxr.image.data[p]! / 4095) * 255);
  files.set('cxr.png', await writePng(createVolume({ geometry: cxr.image.geometry, data: eight, meta: { source: 'cxr.png' } })));
  // At the bundled BraTS model's training spacing (its entry's `space`: 1.5 mm); another spacing is refused.
  const brain = generateBrainMri({ seed: 777, size: [64, 64, 48], spacingMm: 1.5 });
  const brainFiles: Record<string, string> = {};
  for (const [modality, volume] of Object.entries(brain.images)) {
    brainFiles[modality] = `brain-${modality}.nii.gz`;
    files.set(brainFiles[modality]!, writeNifti(volume, { gzip: true }));
  }
  files.set('brain-labels.nii.gz', writeNifti(brain.labels, { gzip: true }));
  // A smaller grid than `medinfer samples` writes (256 x 256 x 128): the server makes these on the
  // first page load, and the detector resamples to its own 1.4 x 1.4 x 2.5 mm grid anyway.
  const ct = generateChestCt({ seed: 9201, size: [160, 160, 96], spacingMm: [1.1, 1.1, 1.6], nodules: [2, 3] });
  files.set('chest-ct.nii.gz', writeNifti(ct.image, { gzip: true }));
  const pair = generateLungCtPair({ seed: 9301 });
  files.set('lung-fixed.nii.gz', writeNifti(pair.exhale, { gzip: true }));
  files.set('lung-moving.nii.gz', writeNifti(pair.inhale, { gzip: true }));
  // src/cli/web and dist/cli/web are both three levels below the package root.
  files.set('t1_crop.nii.gz', new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../${BRAINCHOP_T1}`, import.meta.url)))));
  return {
    index: [
      { name: 'chest radiograph (NIfTI, 12-bit)', task: 'classification', files: { image: 'cxr.nii.gz' } },
      { name: 'chest radiograph (PNG, 8-bit)', task: 'classification', files: { image: 'cxr.png' } },
      { name: 'brain MRI, 4 sequences', task: 'segmentation', files: brainFiles },
      { name: 'chest CT (NIfTI, HU)', task: 'detection', files: { image: 'chest-ct.nii.gz' } },
      // fixed first: the demo shows the first input as the base layer (registration works on its grid).
      { name: 'lung CT exhale / inhale pair', task: 'registration', files: { fixed: 'lung-fixed.nii.gz', moving: 'lung-moving.nii.gz' } },
      { name: BRAINCHOP_T1_SAMPLE, task: 'segmentation', files: { image: 't1_crop.nii.gz' } },
    ],
    files,
  };
}
