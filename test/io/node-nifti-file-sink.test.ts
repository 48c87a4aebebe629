/**
 * createNiftiFileSink on its own: a uint16 volume handed over in uneven runs of planes gives
 * writeNifti's bytes (.nii) and the gzip of them (.nii.gz, equal to zlib's one-shot gzip at level
 * 6, which the CLI writes); the file appears only at finish; planes out of order, too few planes
 * and an unwritable folder are typed errors that leave no file and no temporary file.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError, ShapeError } from '../../src/core/errors.js';
import { createVolume, type Volume } from '../../src/core/volume.js';
import { createNiftiFileSink } from '../../src/io/nifti/node-nifti-file-sink.js';
import { writeNifti } from '../../src/io/nifti/write-nifti.js';

const SIZE: [number, number, number] = [7, 5, 9];
const PLANE = SIZE[0] * SIZE[1];
let dir: string;
let volume: Volume;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medinfer-nifti-sink-'));
  const data = Uint16Array.from({ length: PLANE * SIZE[2] }, (_, v) => (v * 2654435761) % 700);
  // Oblique direction, sform 4 (MNI): the header must carry both.
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  volume = createVolume({
    geometry: { size: SIZE, spacing: [0.8, 1.1, 2.5], origin: [10, -20, 30], direction: [c, -s, 0, s, c, 0, 0, 0, 1] },
    data,
    meta: { format: 'nifti', nifti: { sformCode: 4, qformCode: 4 } },
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Planes in runs of 1, 3, 4, 1 (k = 0 .. 8). */
async function writeInRuns(path: string): Promise<void> {
  const sink = createNiftiFileSink(path);
  const { data: _, ...shell } = volume;
  await sink.begin(shell);
  let k = 0;
  for (const n of [1, 3, 4, 1]) {
    await sink.write((volume.data as Uint16Array).slice(k * PLANE, (k + n) * PLANE), k);
    k += n;
  }
  expect(await readdir(dir)).not.toContain(path.split('/').pop());
  await sink.finish();
}

describe('NIfTI file sink', () => {
  it('writes what writeNifti writes, plain and gzipped, whatever the runs of planes', async () => {
    const expected = Buffer.from(writeNifti(volume, { sformCode: 4, qformCode: 4 }));
    await writeInRuns(join(dir, 'a.nii'));
    await writeInRuns(join(dir, 'a.nii.gz'));
    expect((await readFile(join(dir, 'a.nii'))).equals(expected)).toBe(true);
    const gz = await readFile(join(dir, 'a.nii.gz'));
    expect(gunzipSync(gz).equals(expected)).toBe(true);
    expect(gz.equals(gzipSync(expected, { level: 6 }))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['a.nii', 'a.nii.gz']);
  });

  it('refuses planes out of order or too few, and leaves nothing after abort', async () => {
    const { data: _, ...shell } = volume;
    for (const name of ['b.nii', 'b.nii.gz']) {
      const sink = createNiftiFileSink(join(dir, name));
      await sink.begin(shell);
      await sink.write((volume.data as Uint16Array).slice(0, 2 * PLANE), 0);
      await expect(sink.write((volume.data as Uint16Array).slice(3 * PLANE, 4 * PLANE), 3)).rejects.toBeInstanceOf(ShapeError);
      await expect(sink.finish()).rejects.toBeInstanceOf(ShapeError);
      await sink.abort();
      expect((await readdir(dir)).filter((n) => n.includes('b.nii'))).toEqual([]);
    }
    // Wrong sample type for the header.
    const typed = createNiftiFileSink(join(dir, 'c.nii'));
    await typed.begin(shell);
    await expect(typed.write(new Uint8Array(PLANE), 0)).rejects.toBeInstanceOf(ShapeError);
    await typed.abort();
    expect((await readdir(dir)).filter((n) => n.includes('c.nii'))).toEqual([]);
  });

  it('types a folder that does not exist as E_IO_NOT_FOUND naming the output', async () => {
    const path = join(dir, 'missing', 'd.nii.gz');
    const sink = createNiftiFileSink(path);
    const { data: _, ...shell } = volume;
    const error = await sink.begin(shell).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_NOT_FOUND');
    expect((error as IoError).message).toContain(path);
    await sink.abort();
  });
});
