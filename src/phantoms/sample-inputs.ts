/**
 * One ready input per task, as files: what `medinfer samples` writes so a newcomer can run every
 * bundled model at once. Isomorphic: returns bytes, writes nothing; the caller supplies the PNG
 * encoder (sharp in Node, canvas or a JS encoder in browsers) and may supply a faster gzip.
 * Deterministic: fixed seeds, no dates, deterministic UIDs, so two runs give identical files.
 *
 * Layout (paths are POSIX, relative to the samples folder):
 *   radiograph/chest-xray.png          16-bit grey (12-bit values), classification + 2D detection
 *   chest-ct/chest-ct.nii.gz           int16 HU, 3D nodule detection (LPS stored as RAS NIfTI)
 *   chest-ct/dicom/IM0001.dcm ...      the same scan as a CT DICOM series (one file per slice)
 *   brain-mri/case01_{t1,t1ce,t2,flair}.nii.gz   BraTS-like sequences, brain tumour segmentation
 *   lung-pair/case01_{fixed,moving}.nii.gz + landmarks + pairs.csv   exhale/inhale registration
 *   reports/reports.csv                column id,report: report-text labelling
 *   brain-t1/t1_crop.nii.gz + LICENSE.brainchop   a real T1 brain MRI (brainchop's sample, MIT), when
 *                                      the caller passes it (Node reads the copy the package ships)
 */
import { ShapeError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { writeNifti } from '../io/nifti/write-nifti.js';
import { encodePart10 } from '../io/dicom-write/encode.js';
import { deriveUid } from '../io/dicom-write/uids.js';
import type { TaskName } from '../manifest/types.js';
import { generateBrainMri } from './brain-mri.js';
import { generateChestCt } from './chest-ct.js';
import { generateChestRadiograph } from './chest-radiograph.js';
import { BRAIN_MODALITIES } from './labels.js';
import { generateLungCtPair } from './lung-ct-pair.js';
import { caseSeed } from './prng.js';
import { generateReportText } from './report-text.js';

export interface SampleInputFile {
  /** POSIX path relative to the samples folder. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** What to pass to `medinfer run --input` for a task (a file, a folder or a CSV list). */
export interface SampleRunInput {
  readonly task: TaskName;
  /** 2 or 3 where a task has models of both kinds (detection). */
  readonly dimensionality?: 2 | 3;
  readonly input: string;
  readonly what: string;
  /** The model to run: the bundled entry whose model file path ends with this (default: any bundled model of the task). */
  readonly modelFile?: string;
}

export interface SampleInputs {
  readonly files: SampleInputFile[];
  readonly runs: SampleRunInput[];
}

export interface SampleInputOptions {
  /** 2D uint16 grey volume -> PNG file bytes (keeps all 16 bits). */
  encodePng16(volume: Volume): Promise<Uint8Array>;
  /** gzip for .nii.gz (default: the NIfTI writer's own fflate). */
  gzip?: (bytes: Uint8Array) => Uint8Array;
  /** Number of reports in reports.csv (default 5). */
  reports?: number;
  /**
   * The real T1 the package ships (models/brainchop/sample/t1_crop.nii.gz) and its licence text:
   * written as brain-t1/ when given. Not generated: it is a real MRI, brainchop's demo input (MIT).
   */
  brainT1?: { nifti: Uint8Array; license: Uint8Array };
}

/** Seeds of the sample set: apart from the demo's held-out seeds (9100-9600) and training seeds. */
export const SAMPLE_SEED = 31_000;

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export async function createSampleInputs(options: SampleInputOptions): Promise<SampleInputs> {
  const nifti = (v: Volume) => writeNifti(v, { gzip: true, ...(options.gzip ? { compress: options.gzip } : {}) });
  const files: SampleInputFile[] = [];
  const runs: SampleRunInput[] = [];

  // Findings forced present so the sample shows positive labels and boxes, not an empty answer.
  const cxr = generateChestRadiograph({ seed: caseSeed(SAMPLE_SEED, 0), findings: { Cardiomegaly: true, Effusion: true, Nodule: true } });
  files.push({ path: 'radiograph/chest-xray.png', bytes: await options.encodePng16(cxr.image) });
  runs.push({ task: 'classification', input: 'radiograph/chest-xray.png', what: 'chest radiograph (PNG, 16-bit grey)' });
  runs.push({ task: 'detection', dimensionality: 2, input: 'radiograph/chest-xray.png', what: 'chest radiograph (PNG, 16-bit grey)' });

  const ct = generateChestCt({ seed: caseSeed(SAMPLE_SEED, 1) });
  files.push({ path: 'chest-ct/chest-ct.nii.gz', bytes: nifti(ct.image) });
  files.push(...ctDicomSeries(ct.image, 'chest-ct/dicom'));
  runs.push({ task: 'detection', dimensionality: 3, input: 'chest-ct/chest-ct.nii.gz', what: 'chest CT (NIfTI, HU)' });
  runs.push({ task: 'detection', dimensionality: 3, input: 'chest-ct/dicom', what: 'the same chest CT as a DICOM series (folder)' });

  const mri = generateBrainMri({ seed: caseSeed(SAMPLE_SEED, 2) });
  for (const m of BRAIN_MODALITIES) files.push({ path: `brain-mri/case01_${m}.nii.gz`, bytes: nifti(mri.images[m]) });
  runs.push({ task: 'segmentation', input: 'brain-mri', what: 'brain MRI, four sequences named case01_<sequence>' });

  const pair = generateLungCtPair({ seed: caseSeed(SAMPLE_SEED, 3) });
  files.push({ path: 'lung-pair/case01_fixed.nii.gz', bytes: nifti(pair.exhale) });
  files.push({ path: 'lung-pair/case01_moving.nii.gz', bytes: nifti(pair.inhale) });
  files.push({ path: 'lung-pair/case01_fixed_landmarks.txt', bytes: text(formatDirLabLandmarks(pair.landmarksExhale)) });
  files.push({ path: 'lung-pair/case01_moving_landmarks.txt', bytes: text(formatDirLabLandmarks(pair.landmarksInhale)) });
  files.push({
    path: 'lung-pair/pairs.csv',
    bytes: text(
      'id,fixed,moving,fixed_landmarks,moving_landmarks,landmark_format\n' +
        'case01,case01_fixed.nii.gz,case01_moving.nii.gz,case01_fixed_landmarks.txt,case01_moving_landmarks.txt,dirlab\n',
    ),
  });
  runs.push({ task: 'registration', input: 'lung-pair/pairs.csv', what: 'lung CT exhale (fixed) / inhale (moving) pair with landmarks (TRE)' });

  const rows = ['id,report'];
  for (let i = 0; i < (options.reports ?? 5); i++) rows.push(`report${i + 1},${csvField(generateReportText({ seed: caseSeed(SAMPLE_SEED + 4, i) }).text)}`);
  files.push({ path: 'reports/reports.csv', bytes: text(rows.join('\n') + '\n') });
  runs.push({ task: 'report-text', input: 'reports/reports.csv', what: 'radiology report texts (CSV, column report)' });

  if (options.brainT1) {
    files.push({ path: 'brain-t1/t1_crop.nii.gz', bytes: options.brainT1.nifti });
    files.push({ path: 'brain-t1/LICENSE.brainchop', bytes: options.brainT1.license });
    const what = 'real T1 brain MRI (brainchop sample, MIT licence: brain-t1/LICENSE.brainchop)';
    runs.push({ task: 'segmentation', input: 'brain-t1/t1_crop.nii.gz', what: `${what}, grey / white matter`, modelFile: 'brainchop/model5_gw_ae.onnx' });
    runs.push({ task: 'segmentation', input: 'brain-t1/t1_crop.nii.gz', what: `${what}, skull stripping`, modelFile: 'brainchop/mindgrab.onnx' });
    runs.push({
      task: 'segmentation',
      input: 'brain-t1/t1_crop.nii.gz',
      what: `${what}, 50 regions (Aparc+Aseg)`,
      modelFile: 'brainchop/model30chan50cls.onnx',
    });
  }
  return { files, runs };
}

/**
 * DIR-Lab landmark layout: "x y z" per line as 1-based voxel indices. Two decimals, not integers:
 * the phantom's truth is continuous and rounding would add up to 0.87 voxel of error to TRE.
 */
export function formatDirLabLandmarks(points: readonly (readonly number[])[]): string {
  return points.map((p) => p.map((v) => (v + 1).toFixed(2)).join('\t')).join('\n') + '\n';
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A volume of signed 16-bit HU as a CT series, one Part-10 file per slice (explicit VR little
 * endian). Stored values are HU (rescale slope 1, intercept 0). Axial slices, direction as the
 * volume's. Pixel Data is written with VR OB because the writer's dictionary has one VR a keyword
 * (PS3.5 wants OW for 16-bit samples; readers, dcm2niix and pydicom included, take either).
 * No patient attributes beyond an empty name and the ID 'PHANTOM': there is no patient.
 */
export function ctDicomSeries(volume: Volume, folder: string): SampleInputFile[] {
  const { size, spacing, origin, direction } = volume.geometry;
  const [ni, nj, nk] = size;
  if (volume.type !== 'int16' || volume.components !== 1 || volume.frames !== 1)
    throw new ShapeError(`ctDicomSeries: needs one int16 component and frame, got ${volume.type} x ${volume.components} x ${volume.frames}`);
  const seed = `medinfer-samples:${volume.meta.source ?? 'ct'}`;
  const study = deriveUid(`${seed}:study`);
  const series = deriveUid(`${seed}:series`);
  const frame = deriveUid(`${seed}:frame`);
  const sliceBytes = ni * nj * 2;
  const samples = volume.data as Int16Array;
  const out: SampleInputFile[] = [];
  for (let k = 0; k < nk; k++) {
    const pixels = new Uint8Array(sliceBytes);
    const view = new DataView(pixels.buffer);
    for (let p = 0; p < ni * nj; p++) view.setInt16(2 * p, samples[k * ni * nj + p]!, true);
    // Position of voxel (0, 0, k): origin + k * spacing_k * column 2 of the direction.
    const position = [0, 1, 2].map((r) => origin[r]! + k * spacing[2] * direction[3 * r + 2]!);
    const sop = deriveUid(`${seed}:slice:${k}`);
    out.push({
      path: `${folder}/IM${String(k + 1).padStart(4, '0')}.dcm`,
      bytes: encodePart10({
        SOPClassUID: CT_IMAGE_STORAGE,
        SOPInstanceUID: sop,
        ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
        Modality: 'CT',
        KVP: null,
        AcquisitionNumber: 1,
        PatientPosition: 'HFS',
        Manufacturer: 'medinfer phantom',
        PatientName: null,
        PatientID: 'PHANTOM',
        PatientBirthDate: null,
        PatientSex: null,
        StudyInstanceUID: study,
        SeriesInstanceUID: series,
        StudyID: 'SAMPLES',
        SeriesNumber: 1,
        InstanceNumber: k + 1,
        StudyDate: null,
        StudyTime: null,
        ReferringPhysicianName: null,
        AccessionNumber: null,
        SeriesDescription: 'medinfer sample chest CT phantom (HU)',
        FrameOfReferenceUID: frame,
        PositionReferenceIndicator: null,
        ImagePositionPatient: position,
        ImageOrientationPatient: [direction[0]!, direction[3]!, direction[6]!, direction[1]!, direction[4]!, direction[7]!],
        // PixelSpacing is row spacing (between rows, along j) then column spacing (along i).
        PixelSpacing: [spacing[1], spacing[0]],
        SliceThickness: spacing[2],
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: nj,
        Columns: ni,
        BitsAllocated: 16,
        BitsStored: 16,
        HighBit: 15,
        PixelRepresentation: 1,
        RescaleIntercept: 0,
        RescaleSlope: 1,
        RescaleType: 'HU',
        PixelData: pixels,
      }),
    });
  }
  return out;
}
