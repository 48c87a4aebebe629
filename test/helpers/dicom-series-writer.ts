/**
 * Test-only: a Volume (int16 / uint16 / uint8, one component) as a single-frame DICOM series
 * (Explicit VR Little Endian Part-10), one instance per k slice, placed by the volume's own
 * geometry (IPP = world position of voxel (0,0,k), IOP = direction columns 0 and 1, PixelSpacing =
 * row then column spacing). Carries the patient / study / equipment modules a PACS and the SEG / SR
 * writers need; the patient attributes are fixed fake values that tests grep for to prove no
 * output leaks them.
 */
import type { Volume } from '../../src/core/volume.js';
import { concat, encodeElementHeader } from '../io/dicom/build-dicom.js';

export const FAKE_PATIENT = { name: 'Leakcheck^Zebedee', id: 'PID-LEAK-93731', birthDate: '19610203', sex: 'O' } as const;

export interface SeriesWriteOptions {
  readonly modality: string;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly frameOfReferenceUid: string;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly sopClassUid?: string;
  readonly accessionNumber?: string;
}

const SOP_CLASS: Record<string, string> = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  MR: '1.2.840.10008.5.1.4.1.1.4',
  DX: '1.2.840.10008.5.1.4.1.1.1.1',
  CR: '1.2.840.10008.5.1.4.1.1.1',
};

const enc = new TextEncoder();

function element(group: number, elem: number, vr: string, value: string | Uint8Array): Uint8Array {
  let body: Uint8Array;
  if (typeof value === 'string') body = enc.encode(value.length % 2 === 0 ? value : value + (vr === 'UI' ? '\0' : ' '));
  else body = value.length % 2 === 0 ? value : Uint8Array.from([...value, 0]);
  return concat([encodeElementHeader(group, elem, vr, body.length), body]);
}

function us(v: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  return b;
}

const ds = (v: number): string => String(Number(v.toFixed(6)));

export function writeVolumeAsDicomSeries(volume: Volume, o: SeriesWriteOptions): Uint8Array[] {
  const [nx, ny, nz] = volume.geometry.size;
  const { spacing, origin, direction: d } = volume.geometry;
  const sopClass = o.sopClassUid ?? SOP_CLASS[o.modality] ?? '1.2.840.10008.5.1.4.1.1.7';
  const signed = volume.type === 'int16';
  const bits = volume.type === 'uint8' ? 8 : 16;
  if (!['int16', 'uint16', 'uint8'].includes(volume.type) || volume.components !== 1)
    throw new Error(`writeVolumeAsDicomSeries: ${volume.type} x${volume.components} not supported`);
  const col = (j: number): [number, number, number] => [d[j]!, d[3 + j]!, d[6 + j]!];
  const out: Uint8Array[] = [];
  for (let k = 0; k < nz; k++) {
    const sop = `${o.seriesUid}.${k + 1}`;
    const pos = [0, 1, 2].map((a) => origin[a]! + k * spacing[2]! * col(2)[a]!);
    const iop = [...col(0), ...col(1)].map(ds).join('\\');
    const slice = volume.data.subarray(k * nx * ny, (k + 1) * nx * ny) as Int16Array | Uint16Array | Uint8Array;
    const pixels = new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength).slice();
    const meta = concat([
      element(0x0002, 0x0001, 'OB', Uint8Array.from([0, 1])),
      element(0x0002, 0x0002, 'UI', sopClass),
      element(0x0002, 0x0003, 'UI', sop),
      element(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
      element(0x0002, 0x0012, 'UI', '1.2.826.0.1.3680043.10.1234.99'),
    ]);
    const groupLength = new Uint8Array(4);
    new DataView(groupLength.buffer).setUint32(0, meta.length, true);
    const body = concat([
      element(0x0008, 0x0005, 'CS', 'ISO_IR 100'),
      element(0x0008, 0x0008, 'CS', 'ORIGINAL\\PRIMARY\\AXIAL'),
      element(0x0008, 0x0016, 'UI', sopClass),
      element(0x0008, 0x0018, 'UI', sop),
      element(0x0008, 0x0020, 'DA', '20260101'),
      element(0x0008, 0x0030, 'TM', '120000'),
      element(0x0008, 0x0050, 'SH', o.accessionNumber ?? 'ACC-0001'),
      element(0x0008, 0x0060, 'CS', o.modality),
      element(0x0008, 0x0070, 'LO', 'medinfer phantom'),
      element(0x0008, 0x0090, 'PN', ''),
      element(0x0008, 0x103e, 'LO', o.seriesDescription),
      element(0x0010, 0x0010, 'PN', FAKE_PATIENT.name),
      element(0x0010, 0x0020, 'LO', FAKE_PATIENT.id),
      element(0x0010, 0x0030, 'DA', FAKE_PATIENT.birthDate),
      element(0x0010, 0x0040, 'CS', FAKE_PATIENT.sex),
      element(0x0018, 0x0050, 'DS', ds(spacing[2]!)),
      element(0x0020, 0x000d, 'UI', o.studyUid),
      element(0x0020, 0x000e, 'UI', o.seriesUid),
      element(0x0020, 0x0010, 'SH', 'STUDY1'),
      element(0x0020, 0x0011, 'IS', String(o.seriesNumber)),
      element(0x0020, 0x0013, 'IS', String(k + 1)),
      element(0x0020, 0x0020, 'CS', ''),
      element(0x0020, 0x0032, 'DS', pos.map(ds).join('\\')),
      element(0x0020, 0x0037, 'DS', iop),
      element(0x0020, 0x0052, 'UI', o.frameOfReferenceUid),
      element(0x0020, 0x1040, 'LO', ''),
      element(0x0028, 0x0002, 'US', us(1)),
      element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
      element(0x0028, 0x0010, 'US', us(ny)),
      element(0x0028, 0x0011, 'US', us(nx)),
      element(0x0028, 0x0030, 'DS', `${ds(spacing[1]!)}\\${ds(spacing[0]!)}`),
      element(0x0028, 0x0100, 'US', us(bits)),
      element(0x0028, 0x0101, 'US', us(bits)),
      element(0x0028, 0x0102, 'US', us(bits - 1)),
      element(0x0028, 0x0103, 'US', us(signed ? 1 : 0)),
      ...(o.modality === 'CT' ? [element(0x0028, 0x1052, 'DS', '0'), element(0x0028, 0x1053, 'DS', '1'), element(0x0028, 0x1054, 'LO', 'HU')] : []),
      element(0x7fe0, 0x0010, bits === 8 ? 'OB' : 'OW', pixels),
    ]);
    out.push(concat([new Uint8Array(128), enc.encode('DICM'), element(0x0002, 0x0000, 'UL', groupLength), meta, body]));
  }
  return out;
}
