/**
 * NIfTI reader messages say what happened: truncated headers and data are DecodeErrors saying
 * "truncated" (never "Analyze"), non-finite samples after scaling are a counted warning (and a
 * refusal at the pipeline input), and CIFTI-2 containers are refused as not spatial volumes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeError, InputError, UnsupportedError } from '../../../src/core/errors.js';
import { createVolume, type Volume } from '../../../src/core/volume.js';
import { readNifti, readNiftiSync } from '../../../src/io/nifti/read-nifti.js';
import { writeNifti } from '../../../src/io/nifti/write-nifti.js';
import { readImageFile } from '../../../src/io/node-read-image.js';
import { loadModelInputs } from '../../../src/pipelines/model-inputs.js';
import type { PipelineContext } from '../../../src/pipelines/types.js';
import type { ModelEntry } from '../../../src/manifest/types.js';

function niftiBytes(version: 1 | 2 = 1, data: Int16Array | Float32Array = Int16Array.from([0, 1, 2, 3, -4, 5, 6, 32767])): Uint8Array {
  return writeNifti(createVolume({ geometry: { size: [2, 2, 2], spacing: [1, 2, 3] }, data, meta: {} }), { version });
}

function patch(bytes: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

const tmp = mkdtempSync(join(tmpdir(), 'medinfer-nifti-rel-'));
function onDisk(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

describe('truncated NIfTI', () => {
  it.each([
    ['NIfTI-1 header cut at 200 bytes', niftiBytes(1).subarray(0, 200), /truncated NIfTI-1 header \(200 of 348 bytes\)/],
    ['NIfTI-2 header cut at 400 bytes', niftiBytes(2).subarray(0, 400), /truncated NIfTI-2 header \(400 of 540 bytes\)/],
    ['data shorter than the header implies', niftiBytes(1).subarray(0, 352 + 10), /truncated NIfTI data: header needs 368 bytes/],
  ])('%s: DecodeError saying truncated, from every path', async (_label, bytes, message) => {
    expect(() => readNiftiSync(bytes, { name: 't.nii' })).toThrow(message);
    expect(() => readNiftiSync(bytes, { name: 't.nii' })).toThrow(DecodeError);
    await expect(readImageFile(onDisk('t.nii', bytes))).rejects.toThrow(message);
    const gz = gzipSync(bytes);
    expect(() => readNiftiSync(gz, { name: 't.nii.gz' })).toThrow(/truncated NIfTI/);
    await expect(readNifti(gz, { name: 't.nii.gz' })).rejects.toThrow(/truncated NIfTI/);
    await expect(readImageFile(onDisk('t.nii.gz', gz))).rejects.toThrow(/truncated NIfTI/);
  });

  it('a gzip stream cut inside the image data: DecodeError saying truncated and corrupt/truncated gzip', async () => {
    const gz = gzipSync(niftiBytes(1));
    const cut = gz.subarray(0, gz.length - 12);
    expect(() => readNiftiSync(cut, { name: 'c.nii.gz' })).toThrow(DecodeError);
    await expect(readImageFile(onDisk('c.nii.gz', cut))).rejects.toThrow(
      /c\.nii\.gz: truncated NIfTI data: header needs 368 bytes, the gzip stream (ends|is corrupt or truncated)/,
    );
  });
});

describe('bounded gzip reads', () => {
  it('multi-member gzip (bgzip / pigz style) with the split inside the image reads exactly, on every path', async () => {
    const data = Int16Array.from({ length: 4000 }, (_, i) => ((i * 37) % 30000) - 15000);
    const raw = writeNifti(createVolume({ geometry: { size: [20, 20, 10] }, data, meta: {} }));
    const gz = new Uint8Array(Buffer.concat([gzipSync(raw.subarray(0, 3001)), gzipSync(raw.subarray(3001))]));
    const path = onDisk('multi.nii.gz', gz);
    for (const v of [readNiftiSync(gz, { name: 'm.nii.gz' }), await readNifti(gz, { name: 'm.nii.gz' }), await readImageFile(path)]) {
      expect(Array.from(v.data)).toEqual(Array.from(data));
      expect(v.meta.warnings).toBeUndefined();
    }
  });

  it('a header extension before the data: same samples from .nii and .nii.gz on every path (extensions dropped while inflating)', async () => {
    const plain = niftiBytes(1);
    const ext = new Uint8Array(32);
    new DataView(ext.buffer).setInt32(0, 32, true);
    new DataView(ext.buffer).setInt32(4, 4, true);
    ext.set(new TextEncoder().encode('<AFNI_attributes/>'), 8);
    const raw = new Uint8Array(Buffer.concat([plain.subarray(0, 348), Buffer.from([1, 0, 0, 0]), ext, plain.subarray(352)]));
    new DataView(raw.buffer).setFloat32(108, 352 + 32, true);
    const gz = gzipSync(raw);
    const reads = [
      readNiftiSync(raw, { name: 'e.nii' }),
      readNiftiSync(gz, { name: 'e.nii.gz' }),
      await readNifti(gz, { name: 'e.nii.gz' }),
      await readImageFile(onDisk('e.nii.gz', gz)),
      await readImageFile(onDisk('e.nii', raw)),
    ];
    for (const v of reads) {
      expect(Array.from(v.data)).toEqual([0, 1, 2, 3, -4, 5, 6, 32767]);
      expect(v.geometry.spacing).toEqual([1, 2, 3]);
    }
  });

  it('trailing bytes after the image: read, with a warning that the rest was not decompressed', () => {
    const raw = niftiBytes(1);
    const gz = gzipSync(Buffer.concat([raw, Buffer.alloc(100_000)]));
    const v = readNiftiSync(gz, { name: 'tail.nii.gz' });
    expect(Array.from(v.data)).toEqual([0, 1, 2, 3, -4, 5, 6, 32767]);
    expect(v.meta.warnings).toContainEqual('the gzip stream continues past the 368 bytes the header implies; the rest was not decompressed');
  });

  it('maxBytes refuses from the header, before inflating', () => {
    expect(() => readNiftiSync(gzipSync(niftiBytes(1)), { name: 'b.nii.gz', maxBytes: 300 })).toThrow(
      /b\.nii\.gz: header implies 368 bytes of image data \(2x2x2 int16\), over maxBytes 300/,
    );
  });
});

describe('non-finite samples', () => {
  it('scl_slope 1e38 on int16: Infinity voxels counted in a warning and meta.nonFiniteVoxels', async () => {
    const bytes = patch(niftiBytes(1), (v) => v.setFloat32(112, 1e38, true));
    for (const volume of [readNiftiSync(bytes, { name: 's.nii' }), await readImageFile(onDisk('s.nii', bytes))]) {
      expect(volume.type).toBe('float32');
      // float32 tops out at 3.4e38: raw 0..3 stay finite, -4 -> -Inf, 5, 6, 32767 -> +Inf.
      const slope = Math.fround(1e38);
      expect(Array.from(volume.data)).toEqual([0, Math.fround(slope), Math.fround(2 * slope), Math.fround(3 * slope), -Infinity, Infinity, Infinity, Infinity]);
      expect(volume.meta['nonFiniteVoxels']).toBe(4);
      expect(volume.meta.warnings).toContainEqual(
        expect.stringMatching(/^4 of 8 samples are not finite after scaling \(scl_slope 9\.99999968\d*e\+37, scl_inter 0/),
      );
    }
  });

  it('NaN stored in float32 data: warning with the count; finite files carry none', () => {
    const volume = readNiftiSync(niftiBytes(1, Float32Array.from([0, NaN, 2, 3, 4, 5, NaN, 7])), { name: 'n.nii' });
    expect(volume.meta['nonFiniteVoxels']).toBe(2);
    expect(volume.meta.warnings).toContainEqual(expect.stringMatching(/^2 of 8 samples are not finite \(NaN or \+-Infinity stored in the file\)/));
    const clean = readNiftiSync(niftiBytes(1, Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7])), { name: 'f.nii' });
    expect(clean.meta['nonFiniteVoxels']).toBeUndefined();
    expect(clean.meta.warnings).toBeUndefined();
  });

  it('large float32 volumes (SIMD scan, then count): 3 bad samples of 64^3 counted exactly', () => {
    const data = new Float32Array(64 ** 3).fill(1.5);
    data[5000] = NaN;
    data[100_000] = -Infinity;
    data[262_143] = Infinity;
    const v = readNiftiSync(writeNifti(createVolume({ geometry: { size: [64, 64, 64] }, data, meta: {} })), { name: 'big.nii' });
    expect(v.meta['nonFiniteVoxels']).toBe(3);
    expect(v.meta.warnings?.[0]).toMatch(/^3 of 262144 samples are not finite/);
  });

  it('a pipeline refuses such an input, naming it and the count', async () => {
    const volume = readNiftiSync(
      patch(niftiBytes(1), (v) => v.setFloat32(112, 1e38, true)),
      { name: 's.nii' },
    );
    const context = { loadVolume: async (v: Volume) => v } as unknown as PipelineContext;
    const entry = { id: 'm' } as ModelEntry;
    await expect(loadModelInputs(context, entry, volume)).rejects.toThrow(InputError);
    await expect(loadModelInputs(context, entry, volume)).rejects.toThrow(
      /input 's\.nii' contains a non-finite value \(-Infinity\) at index 4 \(4 of 8 values are NaN or \+-Infinity\)/,
    );
    const named = { ...entry, inputs: [{ name: 't1' }, { name: 'flair' }] } as unknown as ModelEntry;
    await expect(loadModelInputs(context, named, { t1: volume, flair: volume })).rejects.toThrow(/input 't1: s\.nii' contains/);
  });
});

describe('CIFTI-2', () => {
  it.each([
    [2, 3001, 'dconn'],
    [2, 3006, 'dscalar'],
    [1, 3002, 'dtseries in NIfTI-1'],
  ] as const)('NIfTI-%i with intent %i (%s) is UnsupportedError "not a spatial volume"', async (version, intent, _label) => {
    const bytes = patch(niftiBytes(version), (v) => (version === 1 ? v.setInt16(68, intent, true) : v.setInt32(504, intent, true)));
    expect(() => readNiftiSync(bytes, { name: 'x.dconn.nii' })).toThrow(UnsupportedError);
    expect(() => readNiftiSync(bytes, { name: 'x.dconn.nii' })).toThrow(new RegExp(`x\\.dconn\\.nii: not a spatial volume \\(CIFTI-2 intent code ${intent}`));
    await expect(readImageFile(onDisk('x.dconn.nii', bytes))).rejects.toThrow(/not a spatial volume \(CIFTI-2/);
  });

  it('intent codes next to the CIFTI range still read', () => {
    for (const intent of [2999, 3100]) {
      const bytes = patch(niftiBytes(1), (v) => v.setInt16(68, intent, true));
      expect(readNiftiSync(bytes, { name: 'ok.nii' }).geometry.size).toEqual([2, 2, 2]);
    }
  });
});
