/**
 * A synthetic 512x512xNZ int16 CT series (explicit VR little endian, rescale intercept -1024,
 * file names a fixed permutation of slice order so a reader really has to sort), written once
 * into a cache folder under the OS temp dir. Shared by io-dicom.mjs and convert.mjs.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function element(group, elem, vr, value) {
  let body;
  if (typeof value === 'string') {
    const s = value.length % 2 === 0 ? value : value + (vr === 'UI' ? '\0' : ' ');
    body = Buffer.from(s, 'latin1');
  } else body = value;
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
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

function writeSlice(path, k, pixels, nx, ny) {
  const sop = `1.2.826.0.1.3680043.10.1234.9.${k + 1}`;
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    element(0x0002, 0x0003, 'UI', sop),
    element(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length);
  const ds = Buffer.concat([
    element(0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    element(0x0008, 0x0018, 'UI', sop),
    element(0x0008, 0x0060, 'CS', 'CT'),
    element(0x0020, 0x000d, 'UI', '1.2.826.0.1.3680043.10.1234.9'),
    element(0x0020, 0x000e, 'UI', '1.2.826.0.1.3680043.10.1234.9.0'),
    element(0x0020, 0x0013, 'IS', String(k + 1)),
    element(0x0020, 0x0032, 'DS', `-250\\-250\\${(k * 1.25 - 200).toFixed(2)}`),
    element(0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    element(0x0028, 0x0010, 'US', us(ny)),
    element(0x0028, 0x0011, 'US', us(nx)),
    element(0x0028, 0x0030, 'DS', '0.9765625\\0.9765625'),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(16)),
    element(0x0028, 0x0102, 'US', us(15)),
    element(0x0028, 0x0103, 'US', us(1)),
    element(0x0028, 0x1052, 'DS', '-1024'),
    element(0x0028, 0x1053, 'DS', '1'),
    element(0x7fe0, 0x0010, 'OW', Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength)),
  ]);
  writeFileSync(path, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element(0x0002, 0x0000, 'UL', groupLength), meta, ds]));
}

/** Writes (once) and returns the folder of a 512x512xnz CT series. */
export function ctSeriesFolder(nz, nx = 512, ny = 512) {
  const dir = join(tmpdir(), `medinfer-bench-dicom-${nx}x${ny}x${nz}`);
  if (existsSync(join(dir, 'done'))) return dir;
  mkdirSync(dir, { recursive: true });
  const pixels = new Int16Array(nx * ny);
  let seed = 777;
  const order = Array.from({ length: nz }, (_, k) => k);
  for (let i = nz - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < nz; k++) {
    for (let j = 0, n = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, n++) {
        const x = (i - nx / 2) / (nx * 0.43),
          y = (j - ny / 2) / (ny * 0.35),
          z = (k - nz / 2) / (nz / 2);
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        pixels[n] = (x * x + y * y + z * z < 1 ? 1064 + Math.round(200 * Math.cos(3 * x) * Math.sin(2 * y + z)) : 24) + ((seed >> 16) % 21);
      }
    }
    writeSlice(join(dir, `slice-${String(order[k]).padStart(4, '0')}.dcm`), k, pixels, nx, ny);
  }
  writeFileSync(join(dir, 'done'), '');
  return dir;
}
