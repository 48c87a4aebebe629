/**
 * Philips private scaling (philips-scaling.ts) against dcm2niix's Ref NIfTI from dcm_qa_philips_enh
 * (fcMRI field-mapping series: magnitude RS 1.29158 SS 0.000237989; phase RS 1.53455 RI -3142
 * SS 651.74 - RS * SS != 1, so precise and display values differ). Classic slices are compared
 * voxel by voxel at the same world positions; the enhanced file (mag + phase of two echoes, 212
 * frames) by its sorted values against the union of the four Refs (frame order independent).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { FIXTURES } from './helpers.js';
import { compareAtWorld, loadNifti } from './nifti-compare.js';

const DIR = join(FIXTURES, 'philips');
const dicom = (f: string): Uint8Array => new Uint8Array(gunzipSync(readFileSync(join(DIR, f))));
const ref = (s: string) => loadNifti(join(DIR, `2001_WIP_fcMRI_Field_Mapping_cl_${s}.nii.gz`));

describe('Philips precise values (FP = (PV * RS + RI) / (RS * SS))', () => {
  test.each([
    ['2001_0041.dcm.gz', 'e1', 1.29158, 0, 0.000237989, 1e-6],
    ['2001_0145_ph.dcm.gz', 'e1_ph', 1.53455, -3142, 651.74, 5e-4],
  ])('%s equals dcm2niix (%s) at the same world positions', async (file, refName, rs, ri, ss, tol) => {
    const v = await readDicom(dicom(file), { name: file });
    expect(v.type).toBe('float32');
    expect(v.meta.philipsScaling).toBe('precise');
    const ssMeta = v.meta.philipsScaleSlope as number;
    expect(Math.abs(ssMeta / ss - 1)).toBeLessThan(1e-5);
    const cmp = compareAtWorld(v, ref(refName), tol);
    expect(cmp.offGrid).toBe(0);
    expect(cmp.compared).toBe(80 * 80);
    expect(cmp.mismatches).toBe(0);
    // The formula itself (float64, stored as float32) from the stored values and the header's RS / RI.
    const raw = await readDicom(dicom(file), { name: file, applyModalityLut: false });
    const display = (await readDicom(dicom(file), { name: file, philipsScaling: 'display' })).meta.rescale as { slope: number; intercept: number };
    expect(display.slope).toBeCloseTo(rs, 5);
    expect(display.intercept).toBe(ri);
    for (let p = 0; p < raw.data.length; p += 7) {
      const fp = (raw.data[p]! * display.slope + display.intercept) / (display.slope * ssMeta);
      expect(v.data[p]).toBe(Math.fround(fp));
    }
  });

  test('display scaling gives RescaleSlope / RescaleIntercept values (and differs from dcm2niix)', async () => {
    const v = await readDicom(dicom('2001_0145_ph.dcm.gz'), { name: 'ph', philipsScaling: 'display' });
    const raw = await readDicom(dicom('2001_0145_ph.dcm.gz'), { name: 'ph', applyModalityLut: false });
    expect(v.meta.philipsScaling).toBe('display');
    const { slope, intercept } = v.meta.rescale as { slope: number; intercept: number };
    expect(slope).toBeCloseTo(1.53455, 5);
    expect(intercept).toBe(-3142);
    for (let p = 0; p < raw.data.length; p += 7) expect(v.data[p]).toBe(Math.fround(raw.data[p]! * slope + intercept));
    expect(compareAtWorld(v, ref('e1_ph'), 1e-3).mismatches).toBeGreaterThan(0);
    const noLut = await readDicom(dicom('2001_0145_ph.dcm.gz'), { name: 'ph', applyModalityLut: false });
    expect(noLut.meta.philipsScaling).toBeUndefined();
  });

  test('enhanced file: per-frame scale slopes from the private per-frame sequence (2005,140F), each part at the same world positions', async () => {
    const file = '2001_WIP_fcMRI_Field_Mapping_e2_phMag.dcm.gz';
    // Two echoes x magnitude / phase in one file: four parts, each equal to dcm2niix's file of that suffix.
    for (const part of ['_e1', '_e1_ph', '_e2', '_e2_ph']) {
      const v = await readDicom(dicom(file), { name: file, part });
      expect(v.meta.philipsScaling).toBe('precise');
      expect(v.meta['part']).toBe(part);
      const cmp = compareAtWorld(v, ref(part.slice(1)), 5e-4);
      expect(cmp.offGrid, part).toBe(0);
      expect(cmp.compared, part).toBe(80 * 80 * 53);
      expect(cmp.mismatches, part).toBe(0);
    }
    const display = await readDicom(dicom(file), { name: file, philipsScaling: 'display', part: '_e2' });
    expect(display.meta.philipsScaling).toBe('display');
  });

  test('option is validated', async () => {
    await expect(readDicom(dicom('2001_0041.dcm.gz'), { philipsScaling: 'float' as never })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
