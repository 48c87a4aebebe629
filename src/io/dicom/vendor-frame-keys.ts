/**
 * Vendor private attributes that say which part of a multi-volume series a frame belongs to where
 * the standard attributes do not (read as dcm2niix reads them):
 *  - Siemens XA: the echo number is the second field of the ICE dimensions string (0021,1106),
 *    e.g. `X_2_1_1_...` is echo 2 (the field-map phase difference image, stored without
 *    EchoNumbers); top level in classic files, inside the private per-frame item (0021,11FE) in
 *    enhanced ones;
 *  - GE B0 field map (pulse sequence `B0map` / `3db0map`): one series of two volumes, the first
 *    LocationsInAcquisition (0021,104F) images a field map in Hz, the rest the magnitude image,
 *    with nothing else in the header telling them apart;
 *  - Philips DWI: the derived isotropic (trace) volume exported inside the diffusion series.
 */
import type { DataSet } from './dataset.js';
import { readNumber, readString } from './parse-header.js';
import { TAG } from './tags.js';

const T = {
  siemensIceDims: 'x00211106',
  siemensPrivateFrameSequence: 'x002111fe',
  gePulseSequenceName: 'x0019109c',
  geInternalPulseSequenceName: 'x0019109e',
  geLocationsInAcquisition: 'x0021104f',
} as const;

/** Whether (0008,0070) Manufacturer names `name` (upper case). */
export function manufacturerIs(ds: DataSet, name: string): boolean {
  return (readString(ds, TAG.manufacturer) ?? '').toUpperCase().includes(name);
}

/** Echo number from a Siemens ICE dimensions string `X_<echo>_...` (undefined when absent or not numeric). */
export function siemensIceEcho(holder: DataSet | undefined): number | undefined {
  const ice = holder === undefined ? undefined : readString(holder, T.siemensIceDims);
  const field = ice?.split('_')[1];
  if (field === undefined || !/^\d+$/.test(field)) return undefined;
  const echo = Number(field);
  return echo >= 1 ? echo : undefined;
}

/** Whether `ds` is Siemens (the ICE dimensions string is read only then, as dcm2niix does). */
export function isSiemens(ds: DataSet): boolean {
  return manufacturerIs(ds, 'SIEMENS');
}

/** The private per-frame item of a Siemens enhanced frame's functional group. */
export function siemensFrameItem(group: DataSet | undefined): DataSet | undefined {
  return group?.elements[T.siemensPrivateFrameSequence]?.items?.[0]?.dataSet;
}

/**
 * GE B0 field map series: 'fieldmap' for the images of the first volume (InstanceNumber <=
 * LocationsInAcquisition), 'magnitude' for the others; undefined for any other series.
 */
export function geFieldMapComponent(ds: DataSet, instanceNumber: number | undefined): 'fieldmap' | 'magnitude' | undefined {
  if (!manufacturerIs(ds, 'GE') || !(readString(ds, 'x00190010') ?? '').toUpperCase().startsWith('GEMS')) return undefined;
  const names = [readString(ds, T.gePulseSequenceName), readString(ds, T.geInternalPulseSequenceName)];
  if (!names.some((n) => n?.toLowerCase().includes('b0map'))) return undefined;
  // (0021,104F) is SS: binary in explicit VR; an implicit VR file gives its two bytes the same way.
  const el = ds.elements[T.geLocationsInAcquisition];
  const locations = el !== undefined && el.length === 2 ? ds.int16(T.geLocationsInAcquisition) : readNumber(ds, T.geLocationsInAcquisition);
  // dcm2niix splits only when the series holds more images than locations (0020,1002 ImagesInAcquisition).
  const images = readNumber(ds, 'x00201002');
  if (locations === undefined || locations < 1 || images === undefined || images <= locations || instanceNumber === undefined) return undefined;
  return instanceNumber <= locations ? 'fieldmap' : 'magnitude';
}

const D = {
  bValue: 'x00189087',
  gradientDirection: 'x00189089',
  gradientDirectionSequence: 'x00189076',
  directionality: 'x00189075',
  philipsBFactor: 'x20011003',
  philipsDirection: ['x200510b0', 'x200510b1', 'x200510b2'],
} as const;

function binary(ds: DataSet, tag: string, bytes: 4 | 8, index = 0): number | undefined {
  const el = ds.elements[tag];
  if (el === undefined || el.length < bytes * (index + 1)) return undefined;
  return bytes === 8 ? ds.double(tag, index) : ds.float(tag, index);
}

/**
 * Philips derived isotropic (trace) diffusion image: b > 0 with a zero gradient vector, or
 * DiffusionDirectionality ISOTROPIC. Philips exports it inside the DWI series; dcm2niix moves it
 * out of the 4D (to `_ADC`) so that the series is a clean diffusion acquisition. `holders`: where
 * the diffusion attributes may sit (classic: the file; enhanced: MRDiffusionSequence item).
 */
export function philipsIsotropicDiffusion(ds: DataSet, holders: readonly (DataSet | undefined)[]): boolean {
  if (!/philips/i.test(readString(ds, TAG.manufacturer) ?? '')) return false;
  let b: number | undefined;
  let vector: number[] | undefined;
  for (const h of holders) {
    if (h === undefined) continue;
    if (readString(h, D.directionality)?.toUpperCase() === 'ISOTROPIC') return true;
    b ??= binary(h, D.bValue, 8) ?? binary(h, D.philipsBFactor, 4);
    const dirSeq = h.elements[D.gradientDirectionSequence]?.items?.[0]?.dataSet;
    const std = [0, 1, 2].map((k) => binary(dirSeq ?? h, D.gradientDirection, 8, k));
    const own = D.philipsDirection.map((t) => binary(h, t, 4));
    if (vector === undefined && std.every((v) => v !== undefined)) vector = std as number[];
    if (vector === undefined && own.every((v) => v !== undefined)) vector = own as number[];
  }
  return b !== undefined && b > 0 && vector?.every((v) => v === 0) === true;
}

/** What splitsIsotropicTrace needs of a series-parts FrameRef. */
interface TraceFrame {
  readonly keys: { readonly isotropicTrace: boolean };
  readonly attrs: { readonly position: readonly number[] | undefined };
  readonly order: number;
}

/**
 * Philips DWI series carry a derived isotropic (trace) volume (frame-keys.ts isotropicTrace). As
 * dcm2niix does, it becomes its own part when at least two diffusion volumes remain; a series of
 * b = 0 + trace only, or of trace images only, stays whole.
 */
export function splitsIsotropicTrace(frames: readonly TraceFrame[]): boolean {
  const rest = frames.filter((f) => !f.keys.isotropicTrace);
  if (rest.length === frames.length || rest.length === 0) return false;
  const positions = new Set(rest.map((f) => f.attrs.position?.map((v) => Math.round(v * 100)).join(',') ?? `frame ${f.order}`));
  return rest.length / positions.size >= 2;
}
