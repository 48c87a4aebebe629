/**
 * The BIDS JSON sidecar `medinfer convert` writes beside each NIfTI, as dcm2niix does by default
 * (`-b y`): the acquisition parameters the DICOM header states (io/dicom/acquisition-meta.ts; BIDS
 * names, seconds for times), the phase-encoding direction and slice timing in the written file's
 * own voxel axes, Siemens' readout times derived as dcm2niix derives them, and the converter.
 * Never a patient, institution or date identifier: the reader puts none into meta;
 * SeriesDescription / ProtocolName (free text that may carry them, PS3.15) only when the user asks
 * (`--sidecar-labels`). Nothing is guessed: a field the header does not state is left out.
 */
import type { AcquisitionMeta } from '../../io/dicom/acquisition-meta.js';
import type { PhaseEncodingInfo } from '../../io/dicom/phase-encoding.js';
import type { VolumeShell } from '../../io/dicom/series-stream.js';
import { SDK_VERSION } from '../../version.js';

/** The sidecar's fields in the order they are written (dcm2niix's order where it writes them too). */
const ACQUISITION_ORDER: readonly (keyof AcquisitionMeta)[] = [
  'Modality',
  'MagneticFieldStrength',
  'Manufacturer',
  'ManufacturersModelName',
  'MRAcquisitionType',
  'ImageType',
  'SeriesNumber',
  'SliceThickness',
  'SpacingBetweenSlices',
  'EchoNumber',
  'EchoTime',
  'RepetitionTime',
  'InversionTime',
  'FlipAngle',
  'BandwidthPerPixelPhaseEncode',
];

/**
 * The sidecar of one output image; undefined for an image that is not from DICOM (a NIfTI or
 * raster input states no acquisition).
 */
export function buildSidecar(shell: VolumeShell, withLabels: boolean): Record<string, unknown> | undefined {
  const meta = shell.meta;
  const acquisition = meta['acquisition'] as AcquisitionMeta | undefined;
  if (meta.format !== 'dicom' || acquisition === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of ACQUISITION_ORDER) if (acquisition[key] !== undefined) out[key] = acquisition[key];
  if (withLabels) {
    if (typeof meta['seriesDescription'] === 'string') out['SeriesDescription'] = meta['seriesDescription'];
    if (typeof meta['protocolName'] === 'string') out['ProtocolName'] = meta['protocolName'];
  }
  const pe = meta['phaseEncoding'] as PhaseEncodingInfo | undefined;
  Object.assign(out, readoutFields(shell, pe, acquisition), phaseEncodingFields(pe, acquisition));
  const times = meta['sliceTimes'];
  // Seconds from the start of the volume, one per slice k of the written file (mosaic.ts reads
  // them per stored slice and places them with the slices; slice-times.ts: Siemens XA per slice).
  if (Array.isArray(times) && times.length === shell.geometry.size[2] && times.length > 1) out['SliceTiming'] = times;
  out['ConversionSoftware'] = 'medinfer';
  out['ConversionSoftwareVersion'] = SDK_VERSION;
  return out;
}

/**
 * PhaseEncodingDirection when the polarity is stated, else PhaseEncodingAxis. medinfer writes the
 * rows as stored, so meta.phaseEncoding (in medinfer's voxel frame) is already in the written
 * file's axes: no flip (dcm2niix flips rows, so its "j" is this "j-"). Left out for 3D
 * acquisitions, as dcm2niix does: they are phase-encoded along two axes and the in-plane one is
 * not what distortion correction reads.
 */
function phaseEncodingFields(pe: PhaseEncodingInfo | undefined, acquisition: AcquisitionMeta): Record<string, string> {
  if (pe === undefined || acquisition.MRAcquisitionType?.toUpperCase() === '3D') return {};
  return pe.direction !== undefined ? { PhaseEncodingDirection: pe.direction } : { PhaseEncodingAxis: pe.axis };
}

/**
 * EffectiveEchoSpacing and TotalReadoutTime (s) as dcm2niix derives them from Siemens'
 * BandwidthPerPixelPhaseEncode: 1 / (bandwidth x ReconMatrixPE) and that x (ReconMatrixPE - 1),
 * ReconMatrixPE being the written matrix along the phase-encoding axis (a mosaic's tile).
 */
function readoutFields(shell: VolumeShell, pe: PhaseEncodingInfo | undefined, acquisition: AcquisitionMeta): Record<string, number> {
  const bandwidth = acquisition.BandwidthPerPixelPhaseEncode;
  if (bandwidth === undefined || pe === undefined) return {};
  const reconMatrixPE = shell.geometry.size[pe.axis === 'i' ? 0 : 1];
  if (reconMatrixPE < 2) return {};
  const spacing = 1 / (bandwidth * reconMatrixPE);
  return { EffectiveEchoSpacing: Number(spacing.toPrecision(12)), TotalReadoutTime: Number((spacing * (reconMatrixPE - 1)).toPrecision(12)) };
}

/** The file's text: two-space indented JSON with a final newline. */
export function formatSidecar(sidecar: Record<string, unknown>): string {
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}
