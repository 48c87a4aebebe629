// Minimal NIfTI-1 single-file writer (.nii / .nii.gz) for phantom volumes.
// The SDK works in LPS; NIfTI stores RAS, so the affine is flipped (x, y negated) on the way out.
// sform_code = qform_code = 2 (aligned anatomical); the qform is the sform's rotation, written
// so readers that ignore the sform (some viewers) agree. Only axis-aligned directions are needed
// by the phantoms, but the quaternion is computed generally for proper rotations.
import { gzipSync } from 'node:zlib';

const DATATYPES = { uint8: [2, 8], int16: [4, 16], int32: [8, 32], float32: [16, 32], float64: [64, 64], uint16: [512, 16] };

function quaternionOf(r) {
  // r: 3x3 row-major rotation (columns normalised). Returns [b, c, d, qfac].
  let m = r.slice();
  let qfac = 1;
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (det < 0) {
    qfac = -1;
    m = [m[0], m[1], -m[2], m[3], m[4], -m[5], m[6], m[7], -m[8]];
  }
  const a = 1 + m[0] + m[4] + m[8];
  let qa, qb, qc, qd;
  if (a > 0.5) {
    qa = 0.5 * Math.sqrt(a);
    qb = 0.25 * (m[7] - m[5]) / qa;
    qc = 0.25 * (m[2] - m[6]) / qa;
    qd = 0.25 * (m[3] - m[1]) / qa;
  } else {
    const xd = 1 + m[0] - (m[4] + m[8]);
    const yd = 1 + m[4] - (m[0] + m[8]);
    const zd = 1 + m[8] - (m[0] + m[4]);
    if (xd > 1) { qb = 0.5 * Math.sqrt(xd); qc = 0.25 * (m[1] + m[3]) / qb; qd = 0.25 * (m[2] + m[6]) / qb; qa = 0.25 * (m[7] - m[5]) / qb; }
    else if (yd > 1) { qc = 0.5 * Math.sqrt(yd); qb = 0.25 * (m[1] + m[3]) / qc; qd = 0.25 * (m[5] + m[7]) / qc; qa = 0.25 * (m[2] - m[6]) / qc; }
    else { qd = 0.5 * Math.sqrt(zd); qb = 0.25 * (m[2] + m[6]) / qd; qc = 0.25 * (m[5] + m[7]) / qd; qa = 0.25 * (m[3] - m[1]) / qd; }
    if (qa < 0) { qb = -qb; qc = -qc; qd = -qd; }
  }
  return [qb, qc, qd, qfac];
}

/**
 * @param {{geometry:{size:number[],spacing:number[],origin:number[],direction:number[]},type:string,data:ArrayLike<number>}} volume
 * @param {{gzip?: boolean, description?: string}} options
 */
export function encodeNifti1(volume, options = {}) {
  const { size, spacing, origin, direction } = volume.geometry;
  const dt = DATATYPES[volume.type];
  if (!dt) throw new Error(`unsupported voxel type ${volume.type}`);
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  header.writeInt16LE(3, 40);
  for (let d = 0; d < 3; d++) header.writeInt16LE(size[d], 42 + 2 * d);
  for (let d = 4; d < 8; d++) header.writeInt16LE(1, 40 + 2 * d);
  header.writeInt16LE(dt[0], 70);
  header.writeInt16LE(dt[1], 72);
  // RAS rotation = diag(-1,-1,1) * LPS direction.
  const ras = direction.map((v, i) => (i < 6 ? -v : v));
  const [qb, qc, qd, qfac] = quaternionOf(ras);
  header.writeFloatLE(qfac, 76);
  for (let d = 0; d < 3; d++) header.writeFloatLE(spacing[d], 80 + 4 * d);
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.writeFloatLE(0, 116);
  header.writeUInt8(10, 123); // xyzt_units: mm + s
  header.write((options.description ?? 'medinfer phantom').slice(0, 79), 148, 'ascii');
  header.writeInt16LE(2, 252); // qform_code
  header.writeInt16LE(2, 254); // sform_code
  header.writeFloatLE(qb, 256);
  header.writeFloatLE(qc, 260);
  header.writeFloatLE(qd, 264);
  const rasOrigin = [-origin[0], -origin[1], origin[2]];
  for (let d = 0; d < 3; d++) header.writeFloatLE(rasOrigin[d], 268 + 4 * d);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) header.writeFloatLE(ras[r * 3 + c] * spacing[c], 280 + 16 * r + 4 * c);
    header.writeFloatLE(rasOrigin[r], 280 + 16 * r + 12);
  }
  header.write('n+1\0', 344, 'binary');
  const data = volume.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const file = Buffer.concat([header, body]);
  return options.gzip ? gzipSync(file, { level: 6 }) : file;
}
