/**
 * A folder path is an image input of the Node pipelines: one DICOM series in it is read as
 * readDicomDirectory reads it; a folder with several series is refused naming them.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNodeVolume } from '../../src/pipelines/node-context.js';
import { readDicomDirectory } from '../../src/node.js';

const DICOM = fileURLToPath(new URL('../fixtures/dicom/', import.meta.url));

describe('folder inputs', () => {
  it('one series: the same Volume as readDicomDirectory', async () => {
    const dir = join(DICOM, 'series-oblique');
    const v = await loadNodeVolume(dir);
    const ref = (await readDicomDirectory(dir)).series[0]!;
    expect(v.geometry).toEqual(ref.geometry);
    expect(Array.from(v.data)).toEqual(Array.from(ref.data));
  });

  it('several series: E_INPUT naming them', async () => {
    await expect(loadNodeVolume(DICOM)).rejects.toMatchObject({ code: 'E_INPUT', details: { cause: 'several-series' } });
  });
});
