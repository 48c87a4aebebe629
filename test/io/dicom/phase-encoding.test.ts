/**
 * Phase-encoding polarity (phase-encoding.ts) on GE and Siemens EPI from dcm_qa_ge / dcm_qa_nih:
 * meta.phaseEncoding against dcm2niix's PhaseEncodingDirection (whose j sign is the opposite of
 * ours: dcm2niix flips rows), and the pixels of flipped and unflipped GE EPI equal dcm2niix's Ref
 * at the same world positions - neither tool moves pixels because of the polarity.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { readPhaseEncoding } from '../../../src/io/dicom/phase-encoding.js';
import { createVolume } from '../../../src/core/volume.js';
import { FIXTURES } from './helpers.js';
import { compareAtWorld, loadNifti } from './nifti-compare.js';

const DIR = join(FIXTURES, 'phase-encoding');
const bytes = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));

describe('phase-encoding polarity is reported, pixels stay as stored', () => {
  test.each([
    ['ge_flipped_userdata.dcm', 'j', 'j-', 'GE (0043,102A)'],
    ['ge_unflipped_userdata.dcm', 'j-', 'j', 'GE (0043,102A)'],
    ['ge_linear_9034.dcm', 'j', 'j-', '(0018,9034) RectilinearPhaseEncodeReordering LINEAR'],
    ['siemens_csa_ap.dcm', 'j-', 'j', 'Siemens CSA image header'],
    ['siemens_csa_pa.dcm', 'j', 'j-', 'Siemens CSA image header'],
    ['siemens_xa_enhanced.dcm', 'j-', 'j', 'Siemens (0021,111C)'],
  ])('%s: dcm2niix says %s, medinfer %s', (file, _dcm2niix, ours, source) => {
    const pe = readPhaseEncoding(parseDicomBytes(bytes(file), file).dataSet);
    expect(pe?.axis).toBe('j');
    expect(pe?.direction).toBe(ours);
    expect(pe?.polarity).toBe(ours === 'j' ? 'positive' : 'negative');
    expect(pe?.source).toContain(source);
  });

  test.each([
    ['ge_flipped_userdata.dcm', 'Ax_fMRI_HB8_72sl_int_asc_2.nii.gz', 'negative'],
    ['ge_unflipped_userdata.dcm', 'epiRT_IntAscHB3_GD0_5.nii.gz', 'positive'],
  ])('%s equals dcm2niix volume 1 at the same world positions', async (file, refFile, polarity) => {
    const v = await readDicom(bytes(file), { name: file });
    expect((v.meta.phaseEncoding as { polarity: string }).polarity).toBe(polarity);
    const ref = loadNifti(join(DIR, refFile));
    const n = ref.geometry.size[0] * ref.geometry.size[1] * ref.geometry.size[2];
    const first = createVolume({ geometry: ref.geometry, data: (ref.data as Int16Array).subarray(0, n) });
    const cmp = compareAtWorld(v, first, 0);
    expect(cmp.offGrid).toBe(0);
    expect(cmp.compared).toBe(64 * 64);
    expect(cmp.mismatches).toBe(0);
    // dcm2niix's row axis runs the other way (its NIfTI is flipped in j).
    const ours = v.geometry.direction;
    const theirs = ref.geometry.direction;
    expect(ours[1]! * theirs[1]! + ours[4]! * theirs[4]! + ours[7]! * theirs[7]!).toBeCloseTo(-1, 6);
  });

  test('no InPlanePhaseEncodingDirection: no meta.phaseEncoding', async () => {
    const v = await readDicom(new Uint8Array(readFileSync(join(FIXTURES, 'CT_small.dcm'))), { name: 'ct' });
    expect(v.meta.phaseEncoding).toBeUndefined();
  });
});
