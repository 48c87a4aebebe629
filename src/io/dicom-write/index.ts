/**
 * DICOM writers for results on DICOM input: Segmentation (SEG, BINARY) and Comprehensive 3D SR
 * (TID 1500 Measurement Report). Isomorphic (bytes out, no node:*).
 *
 * Why the SDK's own small writer and not dcmjs: the SDK already parses DICOM itself (bounded,
 * fuzzed, isomorphic); what the writers need on top is explicit VR little endian with defined
 * lengths and a Part-10 header (encode.ts, ~200 lines). dcmjs 0.52 would add a large dependency
 * whose SR templates throw on valid input, so only its SEG derivation would have been usable,
 * and its output would still need the per-frame references built here. Every object is checked
 * with dciodvfy (dicom3tools) in the tests.
 *
 * Use (one source series, the result of a model run on it; the result -> DICOM functions live in
 * pipelines/dicom-results.ts, above the pipelines whose results they read):
 *   const source = describeDicomSource(files);           // the files the model ran on
 *   const volume = await readDicomSeries(files);         // same grid, same slice order
 *   const opts = { source, entry, deterministicUids: true };  // rerun -> same UIDs, no duplicates
 *   segmentationToDicom(result, opts)                     // -> { seg, sr }
 *   detectionToDicomSr(result, volume.geometry, opts)     // -> sr
 *   classificationToDicomSr(result, opts)                 // -> sr
 * The lower-level createDicomSeg / createDicomSr take segment descriptions and findings directly.
 */
export { describeDicomSource, requirePatientFrame, type DicomSourceSeries, type DicomSourceInstance, type CopiedKeyword } from './source.js';
export { createDicomSeg, SEGMENTATION_STORAGE, type SegmentDescription, type CreateDicomSegOptions } from './seg.js';
export type { CodedConcept } from './codes.js';
export { CODES as DICOM_CODES } from './codes.js';
export type { AlgorithmIdentity, InstanceUidOptions } from './common.js';
export { createRandomUid, deriveUid, DEFAULT_UID_ROOT } from './uids.js';
export { srgbToDicomLab } from './cielab.js';
export {
  createDicomSr,
  COMPREHENSIVE_3D_SR,
  LOCAL_SCHEME,
  SCORE_CONCEPT,
  localCode,
  type CreateDicomSrOptions,
  type SrSegmentVolume,
  type SrDetection,
  type SrDetection2D,
  type SrDetection3D,
  type SrClassification,
} from './sr.js';
export { readDicomSegLabels, type DicomSegLabels, type DicomSegSegment } from './read-seg.js';
