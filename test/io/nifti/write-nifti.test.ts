import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { encodeNiftiParts } from '../../../src/io/nifti/write-nifti.js';
import {
  createVolume,
  readNifti,
  writeNifti,
  ShapeError,
  UsageError,
  type Volume,
  type VolumeInit,
  type VoxelType,
  type WriteNiftiOptions,
} from '../../../src/index.js';
// Plain-JS spec shared with scripts/reference/nifti/write-ts-fixtures.mjs (which wrote the committed files).
import { buildTsWrittenVolumes } from '../../../scripts/reference/nifti/ts-written-volumes.mjs';
import { affineDifference, loadNiftiReferences, rasAffineOf, readFixture } from './nifti-reference.js';

interface Spec {
  file: string;
  options: WriteNiftiOptions;
  init: VolumeInit<VoxelType>;
}
const specs = (buildTsWrittenVolumes as () => Spec[])();
const refs = loadNiftiReferences();

/** NIfTI-1 stores the affine as float32: allow 1e-5 mm plus one float32 rounding of the value. */
function affineTolerance(rows: number[][]): number {
  return 1e-5 + 6e-8 * Math.max(...rows.flat().map(Math.abs));
}

function plain(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0x1f ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

describe('writeNifti -> nibabel (reference values nibabel computed from the committed TS-written files)', () => {
  it.each(specs.map((s) => s.file))('%s', async (file) => {
    const spec = specs.find((s) => s.file === file)!;
    const volume = createVolume(spec.init);
    const written = writeNifti(volume, spec.options);
    // The committed file is what nibabel was run on: the current writer must still produce it.
    expect(Buffer.from(plain(written)).equals(Buffer.from(plain(readFixture(`ts-written/${file}`))))).toBe(true);
    const ref = refs[`ts-written/${file}`]!;
    expect(ref.shape.slice(0, 3)).toEqual([...volume.geometry.size]);
    expect(affineDifference(rasAffineOf(volume), ref.affine)).toBeLessThan(affineTolerance(ref.affine));
    expect(ref.sform_code).toBe(spec.options.sformCode ?? 1);
    expect(ref.qform_code).toBe(spec.options.sformCode ?? 1);
    const sheared = file.includes('sheared');
    // The qform holds a rotation only: equal to the sform unless the axes are sheared.
    if (!sheared) expect(affineDifference(rasAffineOf(volume), ref.qform)).toBeLessThan(affineTolerance(ref.affine));
    // Sheared or not, the qform equals what nibabel's set_qform(sform) computes (nearest rotation).
    expect(affineDifference(ref.qform.flat(), ref.qform_nibabel_from_sform)).toBeLessThan(affineTolerance(ref.affine));
    const expected = Array.from(volume.data, Number);
    const vector = volume.components > 1 && volume.type !== 'uint8';
    // nibabel flattens x fastest ... component slowest; the SDK interleaves components per voxel.
    const onDisk = vector
      ? Array.from({ length: expected.length }, (_, n) => {
          const perComponent = expected.length / volume.components;
          return expected[(n % perComponent) * volume.components + Math.floor(n / perComponent)]!;
        })
      : expected;
    const outType = spec.options.datatype ?? volume.type;
    expect(ref.datatype.includes(outType) || ref.datatype.includes("'R'")).toBe(true);
    expect(ref.data).toEqual(onDisk);
    // And back through the TS reader.
    const back = await readNifti(written, { name: file });
    expect(affineDifference(rasAffineOf(back), ref.affine)).toBeLessThan(1e-9);
    expect(Array.from(back.data, Number)).toEqual(expected);
    expect(back.frames).toBe(volume.frames);
    expect(back.components).toBe(volume.components);
    expect(back.type).toBe(outType);
    if (sheared) expect(back.meta.warnings?.join(' ')).toMatch(/not orthogonal/);
  });
});

describe('writeNifti round-trips files nibabel wrote', () => {
  it.each(['nibabel-data/example4d.nii.gz', 'generated/oblique.nii.gz', 'generated/qfac-negative.nii', 'generated/rgb24.nii', 'generated/dtype-uint32.nii'])(
    '%s',
    async (rel) => {
      const first = await readNifti(readFixture(rel), { name: rel });
      const again = await readNifti(writeNifti(first, { gzip: rel.endsWith('.gz') }), { name: `${rel} (rewritten)` });
      expect(again.type).toBe(first.type);
      expect(again.frames).toBe(first.frames);
      expect(Array.from(again.data).every((x, i) => x === first.data[i])).toBe(true);
      // float32 storage of the affine in NIfTI-1: 1e-5 mm.
      const a = rasAffineOf(first);
      expect(Math.max(...rasAffineOf(again).map((x, i) => Math.abs(x - a[i]!)))).toBeLessThan(1e-5);
    },
  );
});

describe('writeNifti options and errors', () => {
  const volume: Volume = createVolume({ geometry: { size: [2, 2, 1] }, data: new Float32Array([0.4, 1.6, -2.5, 300]) });

  it('rounds to an integer datatype and refuses values that do not fit', async () => {
    const v = await readNifti(writeNifti(volume, { datatype: 'int16' }));
    expect(Array.from(v.data)).toEqual([0, 2, -3, 300]);
    expect(() => writeNifti(volume, { datatype: 'uint8' })).toThrow(ShapeError);
  });

  it('writes scl_slope / scl_inter for stored values (NIfTI-1 and NIfTI-2), and the parts without a copy', async () => {
    const stored = createVolume({ geometry: { size: [2, 2, 1] }, data: new Int16Array([0, 1024, 2048, -5]) });
    for (const version of [1, 2] as const) {
      const bytes = writeNifti(stored, { scaling: { slope: 2, intercept: -1024 }, version });
      const back = await readNifti(bytes);
      expect(Array.from(back.data)).toEqual([-1024, 1024, 3072, -1034]);
    }
    const parts = encodeNiftiParts(stored);
    expect(parts.header.length).toBe(352);
    expect(parts.payload.buffer).toBe(stored.data.buffer);
    expect(() => writeNifti(stored, { scaling: { slope: 0, intercept: 0 } })).toThrow(UsageError);
    expect(() => writeNifti(stored, { scaling: { slope: 1, intercept: Number.NaN } })).toThrow(UsageError);
  });

  it('validates options eagerly', () => {
    expect(() => writeNifti(volume, { sformCode: 0 as 1 })).toThrow(UsageError);
    expect(() => writeNifti(volume, { datatype: 'complex' as 'uint8' })).toThrow(UsageError);
    expect(() => writeNifti(volume, { gzip: true, level: 12 })).toThrow(UsageError);
  });

  it('stores non-RGB components along dim 5 with the vector intent', async () => {
    const field = createVolume({ geometry: { size: [2, 1, 1] }, components: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    const bytes = writeNifti(field);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([view.getInt16(40, true), view.getInt16(50, true), view.getInt16(68, true)]).toEqual([5, 3, 1007]);
    const back = await readNifti(bytes);
    expect(back.components).toBe(3);
    expect(Array.from(back.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stores components and frames together (dims x, y, z, t, c)', async () => {
    const data = Int16Array.from({ length: 2 * 3 * 2 }, (_, n) => n * 3 - 7);
    const v = createVolume({ geometry: { size: [2, 1, 1] }, components: 2, frames: 3, data });
    const bytes = writeNifti(v);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([0, 1, 2, 3, 4, 5].map((d) => view.getInt16(40 + 2 * d, true))).toEqual([5, 2, 1, 1, 3, 2]);
    // On disk component 0 comes first for all frames: samples n = (frame*2 + voxel)*2 + c.
    const disk = new Int16Array(bytes.buffer.slice(bytes.byteOffset + 352, bytes.byteOffset + 352 + 24));
    expect(Array.from(disk.subarray(0, 6))).toEqual([0, 2, 4, 6, 8, 10].map((n) => data[n]));
    const back = await readNifti(bytes);
    expect([back.components, back.frames]).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });
});
