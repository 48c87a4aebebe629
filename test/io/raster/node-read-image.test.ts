import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecodeError, InputError, UnsupportedError, type Volume } from '../../../src/index.js';
import { detectImageFormat, readImageBytes, readImageDirectory, readImageFile } from '../../../src/io/node-read-image.js';

const FIX = fileURLToPath(new URL('../../fixtures/', import.meta.url));

describe('readImageFile sniffs the format from the bytes', () => {
  it.each([
    ['nifti/nibabel-data/example4d.nii.gz', 'nifti'],
    ['nifti/nibabel-data/anatomical.nii', 'nifti'],
    ['nifti/generated/nifti2-float32.nii', 'nifti'],
    ['nifti/generated/analyze.hdr', 'analyze'],
    ['nifti/generated/analyze.img', 'analyze'],
    ['raster/grey16.png', 'png'],
    ['raster/rgb.jpg', 'jpeg'],
  ])('%s -> %s', (rel, format) => {
    expect(detectImageFormat(new Uint8Array(readFileSync(FIX + rel)), rel)).toBe(format);
  });

  it('reads NIfTI (zlib path) and rasters into volumes', async () => {
    const nii = await readImageFile(`${FIX}nifti/nibabel-data/example4d.nii.gz`);
    expect(nii.meta).toMatchObject({ format: 'nifti', source: 'example4d.nii.gz' });
    expect(nii.frames).toBe(2);
    const png = await readImageFile(`${FIX}raster/rgb8.png`);
    expect(png.meta.format).toBe('png');
    expect(png.components).toBe(3);
  });

  it('never modifies or keeps caller bytes (big-endian data is swapped in a copy)', async () => {
    const bytes = new Uint8Array(readFileSync(`${FIX}nifti/generated/big-endian-float32.nii`));
    const before = Buffer.from(bytes);
    const v = await readImageBytes(bytes, { name: 'be.nii' });
    expect(Buffer.from(bytes).equals(before)).toBe(true);
    expect(v.data.buffer).not.toBe(bytes.buffer);
  });

  it('gives typed errors naming the file', async () => {
    await expect(readImageFile(`${FIX}nifti/generated/analyze.hdr`)).rejects.toThrow(UnsupportedError);
    await expect(readImageFile(`${FIX}nifti/reference.json`)).rejects.toThrow(DecodeError);
    await expect(readImageFile(`${FIX}nifti/reference.json`)).rejects.toThrow(/reference\.json: unrecognised image format/);
    await expect(readImageFile(`${FIX}nifti/does-not-exist.nii`)).rejects.toThrow(InputError);
    await expect(readImageFile(`${FIX}nifti/generated/truncated.nii`, { name: 'case-7.nii' })).rejects.toThrow(/case-7\.nii: truncated/);
  });

  it('reads a directory per file and lists non-image files as skipped', async () => {
    const dir = await readImageDirectory(`${FIX}raster`);
    expect(dir.images.map((i) => i.name)).toEqual(['grey-alpha8.png', 'grey.jpg', 'grey16.png', 'grey8.png', 'rgb.jpg', 'rgb16.png', 'rgb8.png', 'rgba8.png']);
    expect(dir.skipped).toEqual(['SOURCES.md', 'reference.json']);
    expect(dir.errors).toEqual([]);
  });

  it('reads DICOM series in a directory through the DICOM reader (one volume per series)', async () => {
    const dir = await readImageDirectory(`${FIX}dicom/series-variants/two-series`);
    expect(dir.images).toHaveLength(2);
    expect(new Set(dir.images.map((i) => i.volume.meta.seriesInstanceUid)).size).toBe(2);
    expect(dir.images.map((i) => i.volume.geometry.size[2]).sort()).toEqual([2, 3]);
  });
});

describe('readImageFile reads by the bytes whatever the name (one open tells the format)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-read-image-'));
  const copy = (rel: string, as: string): string => {
    copyFileSync(FIX + rel, join(dir, as));
    return join(dir, as);
  };
  const same = (a: Volume, b: Volume): void => {
    expect(a.geometry).toEqual(b.geometry);
    expect(a.meta).toEqual(b.meta);
    expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(
      true,
    );
  };

  it('a DICOM file under a raster name or none, a NIfTI file (> the 16 KiB first read) without an extension', async () => {
    const ct = await readImageFile(`${FIX}dicom/CT_small.dcm`, { name: 'ct' });
    same(await readImageFile(copy('dicom/CT_small.dcm', 'ct.png'), { name: 'ct' }), ct);
    same(await readImageFile(copy('dicom/CT_small.dcm', 'ct'), { name: 'ct' }), ct);
    const nii = await readImageFile(`${FIX}nifti/nibabel-data/anatomical.nii`, { name: 'a' });
    same(await readImageFile(copy('nifti/nibabel-data/anatomical.nii', 'anatomical'), { name: 'a' }), nii);
    same(await readImageFile(copy('raster/grey16.png', 'small-png'), { name: 'g' }), await readImageFile(`${FIX}raster/grey16.png`, { name: 'g' }));
  });

  it('a folder is refused with errno EISDIR (pipelines then read it as a DICOM series folder)', async () => {
    await expect(readImageFile(dir)).rejects.toThrow(InputError);
    await expect(readImageFile(dir)).rejects.toMatchObject({ details: { errno: 'EISDIR' } });
    // A folder under an image file's name takes the whole-file read: refused the same way.
    mkdirSync(join(dir, 'series.nii'));
    await expect(readImageFile(join(dir, 'series.nii'))).rejects.toMatchObject({ details: { errno: 'EISDIR' } });
  });
});
