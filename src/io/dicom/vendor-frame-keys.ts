/**
 * Vendor private attributes that say which part of a multi-volume series a frame belongs to where
 * the standard attributes do not (read as dcm2niix reads them):
 *  - Siemens XA: the echo number is the second field of the ICE dimensions string (0021,1106),
 *    e.g. `X_2_1_1_...` is echo 2 (the field-map phase difference image, stored without
 *    EchoNumbers); top level in classic files, inside the private per-frame item (0021,11FE) in
 *    enhanced ones;
 *  - GE B0 field map (pulse sequence `B0map` / `3db0map`): one series of two volumes, the first
 *    LocationsInAcquisition (0021,104F) images a field map in Hz, the rest the magnitude image,
 *    with nothing else in the header telling them apart.
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

function manufacturerIs(ds: DataSet, name: string): boolean {
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
  if (!names.some((n) => n !== undefined && n.toLowerCase().includes('b0map'))) return undefined;
  // (0021,104F) is SS: binary in explicit VR; an implicit VR file gives its two bytes the same way.
  const el = ds.elements[T.geLocationsInAcquisition];
  const locations = el !== undefined && el.length === 2 ? ds.int16(T.geLocationsInAcquisition) : readNumber(ds, T.geLocationsInAcquisition);
  // dcm2niix splits only when the series holds more images than locations (0020,1002 ImagesInAcquisition).
  const images = readNumber(ds, 'x00201002');
  if (locations === undefined || locations < 1 || images === undefined || images <= locations || instanceNumber === undefined) return undefined;
  return instanceNumber <= locations ? 'fieldmap' : 'magnitude';
}
