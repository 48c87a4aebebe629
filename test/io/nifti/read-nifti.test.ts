import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { readNifti, readNiftiSync, DecodeError, LimitError, UnsupportedError, axisCodes, isMedinferError } from '../../../src/index.js';
import { affineDifference, expectSamplesMatch, loadNiftiReferences, rasAffineOf, readFixture } from './nifti-reference.js';

const refs = loadNiftiReferences();
const readable = Object.keys(refs).filter((k) => !k.startsWith('ts-written/'));

describe('readNifti against nibabel 5 (affine 1e-6 mm, samples exact or 1e-6 relative when scaled)', () => {
  it.each(readable)('%s', async (rel) => {
    const ref = refs[rel]!;
    const v = await readNifti(readFixture(rel), { name: rel });
    expect([...v.geometry.size]).toEqual([ref.shape[0], ref.shape[1] ?? 1, ref.shape[2] ?? 1]);
    const rgb = ref.datatype.includes("'R'");
    const frames = ref.shape.slice(3).reduce((a, b) => a * b, 1);
    expect(v.frames).toBe(frames);
    expect(v.components).toBe(rgb ? 3 : 1);
    expect(affineDifference(rasAffineOf(v), ref.affine)).toBeLessThan(1e-6);
    const scaled = ref.slope !== null && (ref.slope !== 1 || ref.inter !== 0);
    const floatOut = v.type === 'float32' && !ref.datatype.includes('float32');
    expectSamplesMatch(v, ref, scaled && floatOut ? 1e-6 : 0);
    expect(v.meta.format).toBe('nifti');
  });

  it('maps the nibabel-data example4d (oblique, 4D) to LPS and keeps TR', async () => {
    const v = await readNifti(readFixture('nibabel-data/example4d.nii.gz'), { name: 'example4d.nii.gz' });
    expect(v.frames).toBe(2);
    expect(v.type).toBe('int16');
    // RAS affine column 0 is (-2, 0, 0): voxel i runs towards the subject's Left = LPS +x.
    expect(v.geometry.direction[0]).toBeCloseTo(1, 12);
    expect(v.geometry.spacing[0]).toBeCloseTo(2, 12);
    expect((v.meta.nifti as { timeStep: number }).timeStep).toBeCloseTo(2000, 3);
  });

  it('applies scaling the way nibabel does (slope 0 = unscaled; integer CT scaling stays exact int32)', async () => {
    const ct = await readNifti(readFixture('generated/scaled-int16-ct.nii'));
    expect(ct.type).toBe('int32');
    expect(ct.meta.nifti).toMatchObject({ datatype: 'int16', scaling: { slope: 1, inter: -1024 } });
    const scaled = await readNifti(readFixture('generated/scaled-int16.nii'));
    expect(scaled.type).toBe('float32');
    const zero = await readNifti(readFixture('generated/slope-zero.nii'));
    expect(zero.type).toBe('uint8');
    expect((zero.meta.nifti as { scaling?: unknown }).scaling).toBeUndefined();
  });

  it('records which transform was used and warns about shear', async () => {
    const q = await readNifti(readFixture('generated/qform-only.nii'));
    expect(q.meta.nifti).toMatchObject({ affineSource: 'qform', sformCode: 0, qformCode: 1 });
    const base = await readNifti(readFixture('generated/codes-zero.nii'));
    expect(base.meta.nifti).toMatchObject({ affineSource: 'base' });
    // Analyze convention: i runs to the Left, j Anterior, k Superior (RAS diag(-dx, dy, dz)).
    expect(axisCodes(base.geometry)).toBe('LAS');
    const sheared = await readNifti(readFixture('generated/sheared.nii'));
    expect(sheared.meta.warnings?.join(' ')).toMatch(/not orthogonal/);
    const oblique = await readNifti(readFixture('generated/oblique.nii.gz'));
    expect(oblique.meta.warnings).toBeUndefined();
  });

  it('accepts Node Buffers that are views into a shared pool', async () => {
    const pool = Buffer.alloc(4096, 7);
    const file = readFixture('generated/dtype-int16.nii');
    pool.set(file, 1001);
    const view = pool.subarray(1001, 1001 + file.length);
    const v = await readNifti(view);
    expect(Array.from(v.data)).toEqual(refs['generated/dtype-int16.nii']!.data);
  });

  it('falls back from a singular sform to the qform (warning), and ignores a broken unused qform', async () => {
    const rel = 'generated/qform-code-above-sform.nii';
    const ref = refs[rel]!;
    const brokenQ = readFixture(rel);
    const view = new DataView(brokenQ.buffer, brokenQ.byteOffset);
    [256, 260, 264].forEach((o) => view.setFloat32(o, 0.9, true)); // |(b, c, d)| > 1
    const a = await readNifti(brokenQ, { name: 'q.nii' });
    expect(affineDifference(rasAffineOf(a), ref.affine)).toBeLessThan(1e-6);
    const singular = readFixture(rel);
    const view2 = new DataView(singular.buffer, singular.byteOffset);
    for (let k = 0; k < 12; k++) if (k % 4 !== 3) view2.setFloat32(280 + 4 * k, 0, true);
    const b = await readNifti(singular, { name: 's.nii' });
    expect(b.meta.nifti).toMatchObject({ affineSource: 'qform' });
    expect(b.meta.warnings?.[0]).toMatch(/sform affine is degenerate/);
    expect(affineDifference(rasAffineOf(b), ref.qform)).toBeLessThan(1e-6);
  });

  it('reads NIfTI-2 and 2D images', async () => {
    const v2 = await readNifti(readFixture('generated/nifti2-float32.nii'));
    expect((v2.meta.nifti as { version: number }).version).toBe(2);
    const flat = await readNifti(readFixture('generated/two-d.nii'));
    expect([...flat.geometry.size]).toEqual([7, 6, 1]);
  });
});

describe('readNifti errors name the file and the cause', () => {
  it('rejects Analyze 7.5 with UnsupportedError', () => {
    expect(() => readNiftiSync(readFixture('generated/analyze.hdr'), { name: 'scan.hdr' })).toThrow(UnsupportedError);
    expect(() => readNiftiSync(readFixture('generated/analyze.hdr'), { name: 'scan.hdr' })).toThrow(/scan\.hdr: Analyze 7\.5/);
  });

  it('rejects truncated data with DecodeError (plain and gzipped)', () => {
    const bytes = readFixture('generated/truncated.nii');
    expect(() => readNiftiSync(bytes, { name: 't.nii' })).toThrow(DecodeError);
    expect(() => readNiftiSync(bytes, { name: 't.nii' })).toThrow(/t\.nii: truncated NIfTI data/);
    expect(() => readNiftiSync(new Uint8Array(gzipSync(bytes)), { name: 't.nii.gz' })).toThrow(/t\.nii\.gz/);
    const gz = new Uint8Array(gzipSync(readFixture('generated/dtype-int16.nii')));
    expect(() => readNiftiSync(gz.subarray(0, gz.length - 30), { name: 'cut.nii.gz' })).toThrow(DecodeError);
  });

  it('rejects truncated gzip on the async (DecompressionStream) path too', async () => {
    const gz = new Uint8Array(gzipSync(readFixture('generated/dtype-int16.nii')));
    await expect(readNifti(gz.subarray(0, gz.length - 30), { name: 'cut.nii.gz' })).rejects.toThrow(DecodeError);
    await expect(readNifti(gz.subarray(0, gz.length - 30), { name: 'cut.nii.gz' })).rejects.toThrow(/cut\.nii\.gz/);
    const sync = readNiftiSync(gz);
    const viaStream = await readNifti(gz);
    expect(Array.from(viaStream.data)).toEqual(Array.from(sync.data));
  });

  it('checks maxVoxels from the header before decompressing', () => {
    const bytes = readFixture('nibabel-data/example4d.nii.gz');
    let called = false;
    const gunzip = (b: Uint8Array): Uint8Array => {
      called = true;
      return new Uint8Array(b);
    };
    expect(() => readNiftiSync(bytes, { name: 'e.nii.gz', maxVoxels: 1000, gunzip })).toThrow(LimitError);
    expect(called).toBe(false);
    try {
      readNiftiSync(bytes, { name: 'e.nii.gz', maxVoxels: 1000 });
    } catch (error) {
      expect((error as LimitError).details).toMatchObject({ file: 'e.nii.gz', voxels: 128 * 96 * 24 * 2 });
    }
  });

  it('rejects non-NIfTI bytes', () => {
    expect(() => readNiftiSync(new Uint8Array(400), { name: 'zeros.nii' })).toThrow(/zeros\.nii: not a NIfTI file/);
  });
});

describe('readNifti on corrupted headers', () => {
  it('throws only typed errors naming the file (600 deterministic header mutations)', () => {
    const sources = ['generated/dtype-int16.nii', 'generated/nifti2-float32.nii', 'generated/qform-only.nii'].map(readFixture);
    let seed = 20240601;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let typed = 0;
    for (let n = 0; n < 600; n++) {
      const bytes = new Uint8Array(sources[n % sources.length]!);
      const headerBytes = n % 3 === 1 ? 540 : 348;
      for (let m = 0; m < 1 + Math.floor(next() * 4); m++) bytes[Math.floor(next() * headerBytes)] = Math.floor(next() * 256);
      try {
        readNiftiSync(bytes, { name: 'fuzz.nii', maxVoxels: 1e7 });
      } catch (error) {
        if (!isMedinferError(error)) throw error;
        expect(error.message.startsWith('fuzz.nii: ')).toBe(true);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(50);
  });
});
