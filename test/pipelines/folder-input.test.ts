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

describe('a DICOM stack with a missing slice', () => {
  it('is refused by the model-input gate (slices would be placed wrong), naming the input', async () => {
    const { assertFiniteInput } = await import('../../src/pipelines/model-inputs.js');
    const v = await loadNodeVolume(join(DICOM, 'series-variants', 'missing'));
    expect(v.meta['sliceDeviationMm']).toBeGreaterThan(0.1 * v.geometry.spacing[2]);
    expect(() => assertFiniteInput(v, 'missing')).toThrowError(
      expect.objectContaining({ code: 'E_INPUT', details: expect.objectContaining({ cause: 'non-uniform-slices' }) }),
    );
    const whole = await loadNodeVolume(join(DICOM, 'series-oblique'));
    expect(assertFiniteInput(whole, 'whole')).toBe(whole);
  });
});
