import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createVolume, DecodeError, InputError, LimitError, ShapeError } from '../../../src/index.js';
import { readRaster, writePng } from '../../../src/io/raster/node-raster.js';

const DIR = fileURLToPath(new URL('../../fixtures/raster/', import.meta.url));
interface RasterRef {
  width: number;
  height: number;
  components: number;
  bits: number;
  format: string;
  data: number[];
  tolerance: number;
}
const refs = (JSON.parse(readFileSync(`${DIR}reference.json`, 'utf8')) as { files: Record<string, RasterRef> }).files;

describe('readRaster against hand-written PNGs (exact) and Pillow-decoded JPEGs (max |diff| <= 2)', () => {
  it.each(Object.keys(refs))('%s', async (file) => {
    const ref = refs[file]!;
    const v = await readRaster(`${DIR}${file}`);
    expect([...v.geometry.size]).toEqual([ref.width, ref.height, 1]);
    expect(v.components).toBe(ref.components);
    expect(v.type).toBe(ref.bits === 16 ? 'uint16' : 'uint8');
    expect(v.meta).toMatchObject({ format: ref.format, bitsStored: ref.bits, source: file });
    let worst = 0;
    let sum = 0;
    ref.data.forEach((x, i) => {
      const d = Math.abs(v.data[i]! - x);
      worst = Math.max(worst, d);
      sum += d;
    });
    expect(v.data.length).toBe(ref.data.length);
    expect(worst).toBeLessThanOrEqual(ref.tolerance);
    expect(sum / ref.data.length).toBeLessThanOrEqual(ref.tolerance / 4);
  });

  it('keeps all 16 bits (values above 255 and odd low bytes survive)', async () => {
    const v = await readRaster(readFileSync(`${DIR}grey16.png`), { name: 'grey16.png' });
    const max = Math.max(...Array.from(v.data));
    expect(max).toBeGreaterThan(255);
    expect(Array.from(v.data).some((x) => x % 256 !== 0 && x > 255)).toBe(true);
  });

  it('notes a dropped alpha channel', async () => {
    const v = await readRaster(`${DIR}rgba8.png`);
    expect(v.meta.warnings).toEqual(['alpha channel dropped']);
  });
});

describe('writePng', () => {
  it('round-trips 8-bit RGB and 16-bit grey volumes exactly', async () => {
    const rgb = createVolume({ geometry: { size: [4, 3, 1] }, components: 3, data: Uint8Array.from({ length: 36 }, (_, i) => (i * 23) % 256) });
    const back = await readRaster(await writePng(rgb));
    expect(Array.from(back.data)).toEqual(Array.from(rgb.data));
    const grey = createVolume({ geometry: { size: [5, 2, 1] }, data: Uint16Array.from({ length: 10 }, (_, i) => i * 6553 + 1) });
    const back16 = await readRaster(await writePng(grey));
    expect(back16.type).toBe('uint16');
    expect(Array.from(back16.data)).toEqual(Array.from(grey.data));
  });

  it('writes RGBA overlay buffers', async () => {
    const data = new Uint8ClampedArray(2 * 2 * 4).fill(200);
    const png = await writePng({ data, width: 2, height: 2, channels: 4 });
    expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('refuses float or 3D volumes with ShapeError', async () => {
    await expect(writePng(createVolume({ geometry: { size: [2, 2, 1] }, data: new Float32Array(4) }))).rejects.toThrow(ShapeError);
    await expect(writePng(createVolume({ geometry: { size: [2, 2, 2] }, data: new Uint8Array(8) }))).rejects.toThrow(/2D volume/);
  });
});

describe('readRaster errors', () => {
  it('names the file for undecodable bytes', async () => {
    await expect(readRaster(new Uint8Array([1, 2, 3, 4]), { name: 'junk.png' })).rejects.toThrow(DecodeError);
    await expect(readRaster(new Uint8Array([1, 2, 3, 4]), { name: 'junk.png' })).rejects.toThrow(/junk\.png/);
  });

  it('names a missing file with InputError', async () => {
    await expect(readRaster(`${DIR}nope.png`)).rejects.toThrow(InputError);
    await expect(readRaster(`${DIR}nope.png`)).rejects.toThrow(/nope\.png: cannot read file \(ENOENT\)/);
  });

  it('checks maxVoxels from the header', async () => {
    await expect(readRaster(`${DIR}rgb8.png`, { maxVoxels: 100 })).rejects.toThrow(LimitError);
  });

  it('rejects a truncated PNG', async () => {
    const bytes = readFileSync(`${DIR}rgb8.png`);
    await expect(readRaster(bytes.subarray(0, bytes.length - 200), { name: 'cut.png' })).rejects.toThrow(/cut\.png/);
  });
});
