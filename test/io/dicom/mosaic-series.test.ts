/**
 * 4D Siemens mosaic runs (mosaic-series.ts): each file's tiles are unpacked straight into the
 * run's buffer. Every volume must equal that file read alone (readDicom: the per-file unpack),
 * and a file on another grid fails the run naming that file.
 */
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { readDicomSeries } from '../../../src/io/dicom/series-assemble.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { InputError } from '../../../src/core/errors.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'dcm-qa', 'dcm_qa_mosaic', 'cmrr_int_hf');
const files = readdirSync(DIR)
  .sort()
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(DIR, name))) }));

describe('mosaic runs', () => {
  for (const keepStoredValues of [false, true]) {
    test(`every volume of the run equals its file read alone (keepStoredValues ${keepStoredValues})`, async () => {
      const run = await readDicomSeries(files, { keepStoredValues });
      expect(run.frames).toBe(files.length);
      const [nx, ny, nz] = run.geometry.size;
      const per = nx * ny * nz;
      for (let v = 0; v < files.length; v++) {
        const alone = await readDicom(files[v]!.bytes, { name: files[v]!.name, keepStoredValues });
        expect(alone.type).toBe(run.type);
        expect(alone.geometry.size).toEqual(run.geometry.size);
        expect(alone.geometry.origin).toEqual(run.geometry.origin);
        expect(alone.geometry.direction).toEqual(run.geometry.direction);
        const part = run.data.subarray(v * per, (v + 1) * per);
        expect(
          Buffer.from(part.buffer, part.byteOffset, part.byteLength).equals(Buffer.from(alone.data.buffer, alone.data.byteOffset, alone.data.byteLength)),
        ).toBe(true);
      }
      expect(run.meta['files']).toEqual(files.map((f) => f.name));
      // Not an all-zero run that would match anything.
      expect(run.data.subarray(0, per).reduce((m: number, x: number) => Math.max(m, x), 0)).toBeGreaterThan(100);
    });
  }

  test('a file on another grid fails the run, naming that file', async () => {
    const moved = files.map((f) => ({ ...f, bytes: f.bytes.slice() }));
    const target = moved[3]!;
    const el = parseDicomBytes(target.bytes, target.name).dataSet.elements['x00200032']!;
    // Shift ImagePositionPatient: the first digit of the value becomes another digit.
    const at = Array.from(target.bytes.subarray(el.dataOffset, el.dataOffset + el.length)).findIndex((c) => c >= 0x30 && c <= 0x39);
    const p = el.dataOffset + at;
    target.bytes[p] = target.bytes[p] === 0x39 ? 0x31 : target.bytes[p]! + 1;
    const err = await readDicomSeries(moved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).details).toMatchObject({ file: target.name, cause: 'mixed-grid' });
  });
});
