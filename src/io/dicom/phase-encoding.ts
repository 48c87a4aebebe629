/**
 * Phase-encoding axis and polarity, reported in meta.phaseEncoding and never used to move pixels.
 * Vendors store EPI data in the orientation that ImagePositionPatient / ImageOrientationPatient
 * describe whatever the phase-encoding polarity: a "flipped" (reverse polarity, e.g. P>A instead
 * of A>P) GE EPI is stored flipped in k-space only, its image rows are where IPP / IOP say. dcm2niix
 * does not flip such data either (checked voxel by voxel against dcm_qa_ge / dcm_qa_nih Refs for
 * Flipped and Unflipped GE series); it only writes the sign of BIDS PhaseEncodingDirection. So the
 * Volume is left as stored and the polarity is recorded here, with the attribute it came from.
 *
 * Conventions (medinfer's voxel frame: i along a row, j down the rows as stored - dcm2niix instead
 * flips rows, so its "j" is our "j-" and vice versa; i is the same in both):
 *  - axis: InPlanePhaseEncodingDirection (0018,1312) ROW -> 'i', COL -> 'j' (enhanced MR: inside
 *    the MR FOV / Geometry Sequence of the functional groups, ROW / COLUMN). For multi-frame
 *    objects the first frame's values are reported.
 *  - polarity 'positive' = phase encoded towards increasing voxel index (dcm2niix's
 *    PhaseEncodingDirectionPositive = 1, GE "Unflipped"); direction is axis + '' or '-'.
 * Sources, in dcm2niix's order of precedence (nii_dicom.cpp):
 *  - GE (RX27+): (0018,9034) RectilinearPhaseEncodeReordering LINEAR -> flipped (negative),
 *    REVERSE_LINEAR -> unflipped (positive).
 *  - GE: (0043,102A) binary user data header: bit 0x0004 of the word at 0x30 = flipped, inverted
 *    when the ky / slice-order word says bottom-up (2); only for EPI (bit 0x800 of the word at 0x3A).
 *  - GE epi_pepolar ((0019,109C) PulseSequenceName): (0019,10B3) user data 12 = 1 reverses every
 *    volume; 2 / 3 reverse odd / even volumes (TemporalPositionIdentifier (0020,0100)). The one
 *    exception to "never moves pixels": GE stores those volumes' rows reversed under an unchanged
 *    header, so the reader places them (see gePepolarRowsReversed); their polarity in medinfer's
 *    voxel frame is then the forward one.
 *  - Siemens: XA (0021,111C) PhaseEncodingDirectionPositive 1 / 0 (enhanced: per frame in the
 *    private sequence (0021,11FE)), else the same entry of the
 *    CSA image header (0029,1010). UIH: (0065,1058) 0 / 1.
 * Other vendors (Philips, Canon) do not record the polarity: 'unknown'.
 */
import type { DataSet } from './dataset.js';
import { firstItem, readNumber, readString } from './parse-header.js';
import { TAG } from './tags.js';
import { readCsaImageString } from './siemens-csa.js';

export interface PhaseEncodingInfo {
  readonly axis: 'i' | 'j';
  readonly polarity: 'positive' | 'negative' | 'unknown';
  /** BIDS-style direction in medinfer's voxel frame ('j-' = towards decreasing row index); absent when polarity is unknown. */
  readonly direction?: 'i' | 'i-' | 'j' | 'j-';
  /** The attribute that decided the polarity. */
  readonly source?: string;
}

const T = {
  inPlanePhaseEncodingDirection: 'x00181312',
  rectilinearPhaseEncodeReordering: 'x00189034',
  geUserDefineData: 'x0043102a',
  gePulseSequenceName: 'x0019109c',
  geUserData12: 'x001910b3',
  temporalPositionIdentifier: 'x00200100',
  siemensPhaseEncodingDirectionPositive: 'x0021111c',
  uihPhaseEncodingDirectionPositive: 'x00651058',
  mrFovGeometrySequence: 'x00189125',
  siemensPrivateFrameSequence: 'x002111fe',
} as const;

/** First per-frame item, then the shared item, of an enhanced object (empty for classic files). */
function functionalGroups(ds: DataSet): DataSet[] {
  return [firstItem(ds, TAG.perFrameFunctionalGroups), firstItem(ds, TAG.sharedFunctionalGroups)].filter((d): d is DataSet => d !== undefined);
}

type Positive = boolean | undefined;

/** Phase encoding of one file (undefined when the axis is not recorded). */
export function readPhaseEncoding(ds: DataSet): PhaseEncodingInfo | undefined {
  // Classic MR: top level, COL / ROW. Enhanced MR: MR FOV / Geometry Sequence of the functional groups, COLUMN / ROW.
  const groups = functionalGroups(ds);
  const dir = [ds, ...groups.map((g) => firstItem(g, T.mrFovGeometrySequence))]
    .map((d) => (d === undefined ? undefined : readString(d, T.inPlanePhaseEncodingDirection)))
    .find((v) => v !== undefined)
    ?.toUpperCase();
  const axis = dir === 'ROW' ? 'i' : dir === 'COL' || dir === 'COLUMN' ? 'j' : undefined;
  if (axis === undefined) return undefined;
  const manufacturer = (readString(ds, TAG.manufacturer) ?? '').toUpperCase();
  let found: { positive: Positive; source: string } | undefined;
  if (manufacturer.startsWith('GE')) found = readGePolarity(ds);
  else if (manufacturer.includes('SIEMENS')) {
    // XA enhanced: per frame inside the private sequence (0021,11FE); classic XA: top level.
    const holders = [ds, ...groups.map((g) => firstItem(g, T.siemensPrivateFrameSequence))];
    const flag = holders.map((d) => (d === undefined ? undefined : readNumber(d, T.siemensPhaseEncodingDirectionPositive))).find((v) => v !== undefined);
    found =
      fromFlag(flag, 1, 'Siemens (0021,111C) PhaseEncodingDirectionPositive') ??
      fromFlag(csaNumber(ds, 'PhaseEncodingDirectionPositive'), 1, 'Siemens CSA image header PhaseEncodingDirectionPositive');
  } else if (manufacturer.includes('UIH') || manufacturer.includes('UNITED IMAGING'))
    found = fromFlag(readNumber(ds, T.uihPhaseEncodingDirectionPositive), 0, 'UIH (0065,1058)');
  if (found?.positive === undefined) return { axis, polarity: 'unknown' };
  return { axis, polarity: found.positive ? 'positive' : 'negative', direction: found.positive ? axis : (`${axis}-` as 'i-' | 'j-'), source: found.source };
}

function csaNumber(ds: DataSet, name: string): number | undefined {
  const v = readCsaImageString(ds, name, 'csa');
  return v === undefined ? undefined : Number(v);
}

function fromFlag(v: number | undefined, positiveValue: number, source: string): { positive: Positive; source: string } | undefined {
  if (v !== 0 && v !== 1) return undefined;
  return { positive: v === positiveValue, source };
}

function readGePolarity(ds: DataSet): { positive: Positive; source: string } | undefined {
  let positive: Positive;
  let source = '';
  const reorder = readString(ds, T.rectilinearPhaseEncodeReordering)?.toUpperCase();
  if (reorder === 'LINEAR' || reorder === 'REVERSE_LINEAR') {
    positive = reorder === 'REVERSE_LINEAR';
    source = `(0018,9034) RectilinearPhaseEncodeReordering ${reorder}`;
  } else {
    const flipped = readGeUserDataFlipped(ds);
    if (flipped !== undefined) {
      positive = !flipped;
      source = 'GE (0043,102A) user data header';
    }
  }
  if (positive === undefined) return undefined;
  // epi_pepolar reverses the blips of some volumes AND stores their rows in reverse order with the
  // header unchanged; the reader places those rows where they belong (series-parts.ts flips the
  // frame's geometry), so in medinfer's voxel frame their polarity is the forward one.
  const mode = gePepolarMode(ds);
  if (mode !== undefined && gePepolarRowsReversed(ds)) source += `; rows stored reversed by epi_pepolar (0019,10B3) = ${mode}, placed by the reader`;
  return { positive, source };
}

function gePepolarMode(ds: DataSet): number | undefined {
  if (!(readString(ds, TAG.manufacturer) ?? '').toUpperCase().startsWith('GE')) return undefined;
  if (!(readString(ds, T.gePulseSequenceName) ?? '').includes('epi_pepolar')) return undefined;
  return Math.round(readNumber(ds, T.geUserData12) ?? 0);
}

/**
 * GE epi_pepolar: does this image hold a reversed-polarity volume, whose rows GE stores in reverse
 * order without changing ImagePositionPatient / ImageOrientationPatient? (0019,10B3) mode 1: every
 * volume; 2: odd TemporalPositionIdentifier; 3: even ones (dcm2niix flips these rows).
 */
export function gePepolarRowsReversed(ds: DataSet): boolean {
  const mode = gePepolarMode(ds);
  if (mode === undefined) return false;
  const volume = readNumber(ds, T.temporalPositionIdentifier) ?? -1;
  return mode === 1 || (mode === 2 && volume > 0 && volume % 2 === 1) || (mode === 3 && volume > 0 && volume % 2 === 0);
}

/** GE (0043,102A): true = flipped, false = unflipped, undefined = not EPI / unreadable. Offsets as dcm2niix reads them. */
function readGeUserDataFlipped(ds: DataSet): boolean | undefined {
  const el = ds.elements[T.geUserDefineData];
  if (el === undefined || el.length < 916) return undefined;
  const bytes = ds.byteArray;
  const start = el.dataOffset;
  if (start + el.length > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, el.length);
  const headerOffset = view.getUint16(24, true);
  if (el.length < headerOffset + 916) return undefined;
  const version = view.getFloat32(headerOffset, true);
  if (!(version >= 5 && version <= 40)) return undefined;
  const hdr = headerOffset + (version >= 25.002 ? 0x4c : 0);
  const kyDirAt = version >= 25.002 ? 0x394 - 0x8c : 0x394;
  if (hdr + Math.max(kyDirAt, 0x3a) + 2 > el.length) return undefined;
  if ((view.getUint16(hdr + 0x3a, true) & 0x800) === 0) return undefined; // not EPI
  let flipped = (view.getUint16(hdr + 0x30, true) & 0x0004) !== 0;
  if (view.getUint16(hdr + kyDirAt, true) === 2) flipped = !flipped; // bottom-up ky order
  return flipped;
}
