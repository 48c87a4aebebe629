/**
 * The conformed T1 the brainchop references run on, and the label-map NIfTI they write.
 * Only what brainchop itself accepts without conforming is read here: 256^3 uint8 (its
 * ensureConformed() would otherwise reslice with niivue first, which these scripts do not do).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

export function readConformedT1(path) {
  const bytes = gunzipSync(readFileSync(path));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getInt32(0, true) !== 348) throw new Error(`${path}: not a little-endian NIfTI-1 file`);
  const dims = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => dv.getInt16(40 + 2 * i, true));
  const datatypeCode = dv.getInt16(70, true);
  const voxOffset = dv.getFloat32(108, true);
  if (dims[0] !== 3 || dims[1] !== 256 || dims[2] !== 256 || dims[3] !== 256 || datatypeCode !== 2) {
    throw new Error(`${path}: brainchop's references need a conformed 256^3 uint8 volume (dims ${dims}, datatype ${datatypeCode})`);
  }
  const img = bytes.subarray(voxOffset, voxOffset + 256 ** 3);
  return { header: bytes.subarray(0, voxOffset), dims, datatypeCode, img: new Uint8Array(img) };
}

/** A uint8 label map on the T1's grid: the T1's own header (same affine and codes), intent LABEL. */
export function writeLabelNifti(path, t1, labels, description) {
  const header = new Uint8Array(t1.header);
  const dv = new DataView(header.buffer);
  dv.setInt16(70, 2, true); // DT_UINT8
  dv.setInt16(72, 8, true);
  dv.setFloat32(112, 1, true); // scl_slope
  dv.setFloat32(116, 0, true); // scl_inter
  let max = 0;
  for (const v of labels) if (v > max) max = v;
  dv.setFloat32(124, max, true); // cal_max
  dv.setFloat32(128, 0, true); // cal_min
  dv.setInt16(68, 1002, true); // intent_code NIFTI_INTENT_LABEL
  const descrip = new TextEncoder().encode(description.slice(0, 79));
  header.fill(0, 148, 228);
  header.set(descrip, 148);
  const out = new Uint8Array(header.length + labels.length);
  out.set(header, 0);
  out.set(labels, header.length);
  writeFileSync(path, gzipSync(out, { level: 9 }));
}
