/**
 * Siemens BandwidthPerPixelPhaseEncode (Hz per pixel along phase encoding), from which the
 * sidecar derives EffectiveEchoSpacing and TotalReadoutTime exactly as dcm2niix does
 * (nii_dicom_batch.cpp: 1 / (bandwidth x ReconMatrixPE); Siemens' value already accounts for
 * parallel imaging, interpolation, phase oversampling and phase resolution, relative to the
 * reconstructed matrix). Where Siemens states it: (0019,xx28) FD of the "SIEMENS MR HEADER" block
 * (VB-VE classic), (0021,xx53) FD of "SIEMENS MR SDI 02" (XA, top level or the enhanced per-frame
 * private item), else the CSA image header's BandwidthPerPixelPhaseEncode. Other vendors: none
 * (their private (0019,1028) means something else).
 */
import type { DataSet } from './dataset.js';
import { readNumeric } from './parse-header.js';
import { csaNumbers, findPrivateBlock, readSiemensCsa } from './siemens-csa.js';
import { TAG } from './tags.js';
import { isSiemens, siemensFrameItem } from './vendor-frame-keys.js';

/** The FD of `element` in the block `creator` reserves in `group`, when that block is present. */
function privateDouble(ds: DataSet | undefined, group: number, creator: string, element: number): number | undefined {
  if (ds === undefined) return undefined;
  const block = findPrivateBlock(ds, group, creator);
  if (block === undefined) return undefined;
  const tag = `x${group.toString(16).padStart(4, '0')}${((block << 8) | element).toString(16).padStart(4, '0')}`;
  // Implicit VR files carry the FD without its VR: eight bytes are the double.
  const el = ds.elements[tag];
  return el?.vr === undefined && el?.length === 8 ? ds.double(tag) : readNumeric(ds, tag);
}

export function readSiemensBandwidthPerPixelPhaseEncode(ds: DataSet): number | undefined {
  if (!isSiemens(ds)) return undefined;
  const perFrame = ds.elements[TAG.perFrameFunctionalGroups]?.items?.[0]?.dataSet;
  const shared = ds.elements[TAG.sharedFunctionalGroups]?.items?.[0]?.dataSet;
  const stated =
    privateDouble(ds, 0x0019, 'SIEMENS MR HEADER', 0x28) ??
    privateDouble(ds, 0x0021, 'SIEMENS MR SDI 02', 0x53) ??
    privateDouble(siemensFrameItem(perFrame), 0x0021, 'SIEMENS MR SDI 02', 0x53) ??
    privateDouble(siemensFrameItem(shared), 0x0021, 'SIEMENS MR SDI 02', 0x53);
  if (stated !== undefined) return stated > 0 ? stated : undefined;
  try {
    const v = csaNumbers(readSiemensCsa(ds, 'image', 'bandwidth', ['BandwidthPerPixelPhaseEncode']), 'BandwidthPerPixelPhaseEncode')?.[0];
    return v !== undefined && v > 0 ? v : undefined;
  } catch {
    return undefined; // a corrupt CSA header states nothing
  }
}
