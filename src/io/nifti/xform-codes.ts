/**
 * xform codes for a written NIfTI: a volume read from NIfTI keeps its space (sform 2 'aligned'
 * or 4 'MNI-152' must not turn into 1 'scanner' when a label map is written beside it);
 * everything else is scanner space (1), as dcm2niix writes. Results carry the input's
 * `meta.format` / `meta.nifti` for this (the segmentation pipeline copies them).
 */
import type { Volume } from '../../core/volume.js';
import type { NiftiXformCode } from './write-nifti.js';

export function chooseOutputXformCodes(volume: Pick<Volume, 'meta'>): { sformCode: NiftiXformCode; qformCode: NiftiXformCode } {
  const nifti = volume.meta.format === 'nifti' ? (volume.meta['nifti'] as { sformCode?: number; qformCode?: number } | undefined) : undefined;
  const valid = (c: number | undefined): c is NiftiXformCode => c !== undefined && Number.isInteger(c) && c >= 1 && c <= 5;
  const sform = valid(nifti?.sformCode) ? nifti.sformCode : valid(nifti?.qformCode) ? nifti.qformCode : 1;
  const qform = valid(nifti?.qformCode) ? nifti.qformCode : sform;
  return { sformCode: sform, qformCode: qform };
}

/** The input meta a derived volume (labels, masks) needs so a writer keeps the input's xform codes. */
export function xformMetaOf(volume: Volume): { format?: string; nifti?: unknown } {
  return volume.meta.format === 'nifti' && volume.meta['nifti'] !== undefined ? { format: 'nifti', nifti: volume.meta['nifti'] } : {};
}
