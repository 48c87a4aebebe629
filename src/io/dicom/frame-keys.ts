/**
 * Per-frame attributes that tell the volumes of a multi-volume series apart (header only):
 * echo, image component (magnitude / phase / real / imaginary), temporal position, dimension
 * indices, instance number. Classic objects carry them at the top level (one frame per file);
 * enhanced objects in per-frame / shared functional groups (PS3.3 C.7.6.16), with Philips also
 * copying the classic attributes into a private per-frame item (2005,140F).
 * Where vendors put the image component (as dcm2niix reads it):
 *  - Siemens: ImageType[2] 'M' / 'P' / 'R' / 'I' (e.g. ORIGINAL\PRIMARY\P\ND);
 *  - Philips: ImageType[2..] 'PHASE MAP' / 'P', 'R_..' / 'REAL', 'I_..' / 'IMAGINARY'; B0 maps
 *    ('B0 MAP' / FrameType FIELD_MAP) are field maps in Hz (dcm2niix suffix _fieldmaphz);
 *  - GE: private (0043,102F) 0 magnitude, 1 phase, 2 real, 3 imaginary;
 *  - enhanced: ComplexImageComponent (0008,9208) in MRImageFrameTypeSequence.
 */
import type { DataSet } from './dataset.js';
import { firstItem, readNumber, readNumbers, readString, sequenceItems } from './parse-header.js';
import { gePepolarRowsReversed } from './phase-encoding.js';
import { TAG } from './tags.js';
import { geFieldMapComponent, isSiemens, philipsIsotropicDiffusion, siemensFrameItem, siemensIceEcho } from './vendor-frame-keys.js';

export type ImageComponent = 'magnitude' | 'phase' | 'real' | 'imaginary' | 'fieldmap';

export interface FrameKeys {
  /** EchoNumbers (classic or the Philips private per-frame item). */
  readonly echoNumber: number | undefined;
  /** EchoTime / EffectiveEchoTime in ms. */
  readonly echoTime: number | undefined;
  /** Undefined when the header does not say (treated as magnitude: no output suffix). */
  readonly component: ImageComponent | undefined;
  /** TemporalPositionIndex (enhanced) or TemporalPositionIdentifier (classic). */
  readonly temporalIndex: number | undefined;
  readonly acquisitionNumber: number | undefined;
  readonly instanceNumber: number | undefined;
  readonly triggerTime: number | undefined;
  /** DiffusionBValue (enhanced MRDiffusionSequence) in s/mm2. */
  readonly bValue: number | undefined;
  readonly stackId: string | undefined;
  readonly dimensionIndex: readonly number[] | undefined;
  /** GE epi_pepolar reversed-polarity image: rows stored in reverse order under an unchanged header. */
  readonly rowsReversed: boolean;
  /** Philips derived isotropic (trace) diffusion image inside a DWI series (vendor-frame-keys.ts). */
  readonly isotropicTrace: boolean;
}

const T = {
  echoTime: 'x00180081',
  echoNumbers: 'x00180086',
  triggerTime: 'x00181060',
  acquisitionNumber: 'x00200012',
  temporalPositionIdentifier: 'x00200100',
  frameContentSequence: 'x00209111',
  stackId: 'x00209056',
  temporalPositionIndex: 'x00209128',
  dimensionIndexValues: 'x00209157',
  mrEchoSequence: 'x00189114',
  effectiveEchoTime: 'x00189082',
  mrImageFrameTypeSequence: 'x00189226',
  frameType: 'x00089007',
  complexImageComponent: 'x00089208',
  mrDiffusionSequence: 'x00189117',
  diffusionBValue: 'x00189087',
  cardiacSynchronizationSequence: 'x00189118',
  nominalCardiacTriggerDelayTime: 'x00209153',
  philipsPerFrame: 'x2005140f',
  geImageType: 'x0043102f',
} as const;

/**
 * Component named by ImageType-like values (index >= 2 carries it for every vendor). A value
 * names it whole ('P', 'PHASE MAP') or by one of its '_'-separated parts, as dcm2niix reads
 * them: Philips 'P_FFE', 'SW_P_FFE' (SWI phase), 'R_IR', 'SW_M_FFE'.
 */
export function componentFromImageType(values: readonly string[]): ImageComponent | undefined {
  const tail = values.slice(2).map((v) => v.trim().toUpperCase());
  const parts = tail.flatMap((v) => v.split('_'));
  const named = (letter: string, word: string): boolean => parts.includes(letter) || parts.includes(word);
  if (tail.some((v) => v === 'B0 MAP' || v === 'B0' || v === 'FIELD_MAP')) return 'fieldmap';
  if (named('P', 'PHASE') || tail.includes('PHASE MAP')) return 'phase';
  if (named('R', 'REAL')) return 'real';
  if (named('I', 'IMAGINARY')) return 'imaginary';
  if (named('M', 'MAGNITUDE')) return 'magnitude';
  return undefined;
}

function fromComplexComponent(value: string | undefined): ImageComponent | undefined {
  switch (value?.toUpperCase()) {
    case 'MAGNITUDE':
      return 'magnitude';
    case 'PHASE':
      return 'phase';
    case 'REAL':
      return 'real';
    case 'IMAGINARY':
      return 'imaginary';
    default:
      return undefined; // MIXED or absent: the FrameType / ImageType decides
  }
}

function splitValues(ds: DataSet | undefined, tag: string): string[] {
  const s = ds === undefined ? undefined : readString(ds, tag);
  return s === undefined ? [] : s.split('\\');
}

function readUint32s(ds: DataSet, tag: string): number[] | undefined {
  const el = ds.elements[tag];
  if (el === undefined || el.length < 4) return undefined;
  const out: number[] = [];
  for (let k = 0; k * 4 < el.length; k++) {
    const v = ds.uint32(tag, k);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** UL read as binary; some writers use IS text for UL-looking values in implicit files: not handled (binary only). */
function readUint32(ds: DataSet | undefined, tag: string): number | undefined {
  return ds === undefined ? undefined : ds.uint32(tag);
}

function readDouble(ds: DataSet | undefined, tag: string): number | undefined {
  if (ds === undefined) return undefined;
  const el = ds.elements[tag];
  return el !== undefined && el.length >= 8 ? ds.double(tag) : undefined;
}

function classicKeys(ds: DataSet): FrameKeys {
  // (0043,102F) means image type only under GE's private creator (dcm2niix checks the vendor too).
  const ge = readString(ds, 'x00430010')?.toUpperCase().startsWith('GEMS') === true;
  const geType = ge && ds.elements[T.geImageType] !== undefined ? ds.int16(T.geImageType) : undefined;
  const geComponent: ImageComponent | undefined =
    geType === 1 ? 'phase' : geType === 2 ? 'real' : geType === 3 ? 'imaginary' : geType === 0 ? 'magnitude' : undefined;
  const instanceNumber = readNumber(ds, TAG.instanceNumber);
  return {
    echoNumber: siemensEcho(ds, readNumber(ds, T.echoNumbers), ds),
    echoTime: readNumber(ds, T.echoTime),
    component: geFieldMapComponent(ds, instanceNumber) ?? componentFromImageType(splitValues(ds, TAG.imageType)) ?? geComponent,
    temporalIndex: readNumber(ds, T.temporalPositionIdentifier),
    acquisitionNumber: readNumber(ds, T.acquisitionNumber),
    instanceNumber,
    triggerTime: readNumber(ds, T.triggerTime),
    bValue: undefined,
    stackId: undefined,
    dimensionIndex: undefined,
    rowsReversed: gePepolarRowsReversed(ds),
    isotropicTrace: philipsIsotropicDiffusion(ds, [ds]),
  };
}

/**
 * Siemens: EchoNumbers when above 1, else the echo of the ICE dimensions string (XA stores the
 * field-map phase difference, echo 2, with EchoNumbers 1 or none), as dcm2niix reads it.
 */
function siemensEcho(ds: DataSet, echoNumber: number | undefined, holder: DataSet | undefined): number | undefined {
  if ((echoNumber !== undefined && echoNumber > 1) || !isSiemens(ds)) return echoNumber;
  return siemensIceEcho(holder) ?? echoNumber;
}

function pick<V>(...values: (V | undefined)[]): V | undefined {
  for (const v of values) if (v !== undefined) return v;
  return undefined;
}

/** One entry per frame, stored order. A classic (single-frame) object gives one entry. */
export function readFrameKeys(ds: DataSet, frameCount: number): FrameKeys[] {
  const top = classicKeys(ds);
  const perFrame = sequenceItems(ds, TAG.perFrameFunctionalGroups);
  if (perFrame.length === 0 && firstItem(ds, TAG.sharedFunctionalGroups) === undefined) return Array.from({ length: frameCount }, () => top);
  const shared = firstItem(ds, TAG.sharedFunctionalGroups);
  const out: FrameKeys[] = [];
  for (let f = 0; f < frameCount; f++) {
    const own = perFrame[f];
    const group = (tag: string): DataSet | undefined =>
      pick(own === undefined ? undefined : firstItem(own, tag), shared === undefined ? undefined : firstItem(shared, tag));
    const content = group(T.frameContentSequence);
    const frameType = group(T.mrImageFrameTypeSequence);
    const philips = group(T.philipsPerFrame);
    const echo = group(T.mrEchoSequence);
    const diffusion = group(T.mrDiffusionSequence);
    const cardiac = group(T.cardiacSynchronizationSequence);
    const component = pick(
      componentFromImageType(splitValues(frameType, T.frameType)) === 'fieldmap' ? 'fieldmap' : undefined,
      fromComplexComponent(frameType === undefined ? undefined : readString(frameType, T.complexImageComponent)),
      componentFromImageType(splitValues(frameType, T.frameType)),
      componentFromImageType(splitValues(philips, TAG.imageType)),
      top.component,
    );
    out.push({
      echoNumber: siemensEcho(
        ds,
        pick(philips === undefined ? undefined : readNumber(philips, T.echoNumbers), top.echoNumber),
        siemensFrameItem(own) ?? siemensFrameItem(shared),
      ),
      echoTime: pick(readDouble(echo, T.effectiveEchoTime), top.echoTime),
      component,
      temporalIndex: pick(readUint32(content, T.temporalPositionIndex), top.temporalIndex),
      acquisitionNumber: pick(philips === undefined ? undefined : readNumber(philips, T.acquisitionNumber), top.acquisitionNumber),
      instanceNumber: pick(philips === undefined ? undefined : readNumber(philips, TAG.instanceNumber), top.instanceNumber),
      triggerTime: pick(readDouble(cardiac, T.nominalCardiacTriggerDelayTime), top.triggerTime),
      bValue: readDouble(diffusion, T.diffusionBValue),
      stackId: content === undefined ? undefined : readString(content, T.stackId),
      dimensionIndex: content === undefined ? undefined : readUint32s(content, T.dimensionIndexValues),
      rowsReversed: top.rowsReversed,
      isotropicTrace: philipsIsotropicDiffusion(ds, [diffusion, philips]),
    });
  }
  return out;
}

/** RepetitionTime in ms (classic, or enhanced MRTimingAndRelatedParametersSequence in shared groups). */
export function readRepetitionTime(ds: DataSet): number | undefined {
  const top = readNumbers(ds, 'x00180080')?.[0];
  if (top !== undefined) return top;
  const shared = firstItem(ds, TAG.sharedFunctionalGroups);
  const timing = shared === undefined ? undefined : firstItem(shared, 'x00189112');
  return timing === undefined ? undefined : readNumber(timing, 'x00180080');
}
