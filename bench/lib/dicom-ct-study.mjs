/**
 * A chest CT phantom (the SDK's generateChestCt from dist/) as a single-frame CT series, Explicit
 * VR Little Endian, with the patient / study / frame-of-reference modules a PACS and the SEG / SR
 * writers need (fake patient). Same layout as test/helpers/dicom-series-writer.ts, CT only.
 */
const enc = new TextEncoder();
const LONG = new Set(['OB', 'OW', 'SQ', 'UN', 'UT']);

function el(group, elem, vr, value) {
  const body = typeof value === 'string' ? enc.encode(value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value) : value;
  const long = LONG.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(body.length, 8);
  else head.writeUInt16LE(body.length, 6);
  return Buffer.concat([head, body]);
}
const us = (v) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const ds = (v) => String(Number(v.toFixed(6)));

/** Part-10 bytes of every slice of `volume` (int16 CT). */
export function ctSeriesBytes(volume, { studyUid, seriesUid, forUid }) {
  const [nx, ny, nz] = volume.geometry.size;
  const { spacing, origin, direction: d } = volume.geometry;
  const sopClass = '1.2.840.10008.5.1.4.1.1.2';
  const out = [];
  for (let k = 0; k < nz; k++) {
    const sop = `${seriesUid}.${k + 1}`;
    const pos = [0, 1, 2].map((a) => origin[a] + k * spacing[2] * d[a * 3 + 2]);
    const slice = volume.data.subarray(k * nx * ny, (k + 1) * nx * ny);
    const meta = Buffer.concat([el(2, 1, 'OB', Buffer.from([0, 1])), el(2, 2, 'UI', sopClass), el(2, 3, 'UI', sop), el(2, 0x10, 'UI', '1.2.840.10008.1.2.1')]);
    const gl = Buffer.alloc(4);
    gl.writeUInt32LE(meta.length);
    const body = Buffer.concat([
      el(8, 5, 'CS', 'ISO_IR 100'),
      el(8, 8, 'CS', 'ORIGINAL\\PRIMARY\\AXIAL'),
      el(8, 0x16, 'UI', sopClass),
      el(8, 0x18, 'UI', sop),
      el(8, 0x20, 'DA', '20260101'),
      el(8, 0x30, 'TM', '120000'),
      el(8, 0x50, 'SH', 'BENCH1'),
      el(8, 0x60, 'CS', 'CT'),
      el(8, 0x70, 'LO', 'medinfer phantom'),
      el(8, 0x90, 'PN', ''),
      el(8, 0x103e, 'LO', 'CHEST CT'),
      el(0x10, 0x10, 'PN', 'Bench^Phantom'),
      el(0x10, 0x20, 'LO', 'BENCH-0001'),
      el(0x10, 0x30, 'DA', '19700101'),
      el(0x10, 0x40, 'CS', 'O'),
      el(0x18, 0x50, 'DS', ds(spacing[2])),
      el(0x20, 0x0d, 'UI', studyUid),
      el(0x20, 0x0e, 'UI', seriesUid),
      el(0x20, 0x10, 'SH', '1'),
      el(0x20, 0x11, 'IS', '1'),
      el(0x20, 0x13, 'IS', String(k + 1)),
      el(0x20, 0x20, 'CS', ''),
      el(0x20, 0x32, 'DS', pos.map(ds).join('\\')),
      el(0x20, 0x37, 'DS', [d[0], d[3], d[6], d[1], d[4], d[7]].map(ds).join('\\')),
      el(0x20, 0x52, 'UI', forUid),
      el(0x20, 0x1040, 'LO', ''),
      el(0x28, 2, 'US', us(1)),
      el(0x28, 4, 'CS', 'MONOCHROME2'),
      el(0x28, 0x10, 'US', us(ny)),
      el(0x28, 0x11, 'US', us(nx)),
      el(0x28, 0x30, 'DS', `${ds(spacing[1])}\\${ds(spacing[0])}`),
      el(0x28, 0x100, 'US', us(16)),
      el(0x28, 0x101, 'US', us(16)),
      el(0x28, 0x102, 'US', us(15)),
      el(0x28, 0x103, 'US', us(1)),
      el(0x28, 0x1052, 'DS', '0'),
      el(0x28, 0x1053, 'DS', '1'),
      el(0x7fe0, 0x10, 'OW', Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength)),
    ]);
    out.push(new Uint8Array(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), el(2, 0, 'UL', gl), meta, body])));
  }
  return out;
}
