/**
 * A result written for a NIfTI input keeps the input's space: brainchop's T1 has sform code 2
 * ('aligned') and no qform; its label map must not be written as 1 ('scanner').
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { niftiGz } from '../../../src/cli/batch/task-outputs/output-files.js';
import { createVolume } from '../../../src/core/volume.js';
import { readNiftiSync } from '../../../src/io/nifti/read-nifti.js';
import { chooseOutputXformCodes, xformMetaOf } from '../../../src/io/nifti/xform-codes.js';

const codes = (bytes: Uint8Array) => {
  const raw = gunzipSync(bytes);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return { qform: dv.getInt16(252, true), sform: dv.getInt16(254, true) };
};

describe('xform codes of written results', () => {
  it("keeps a NIfTI input's sform code on the label map written for it", async () => {
    const t1 = readNiftiSync(readFileSync(new URL('../../../models/brainchop/sample/t1_crop.nii.gz', import.meta.url)));
    expect(t1.meta['nifti']).toMatchObject({ sformCode: 2, qformCode: 0 });
    const labels = createVolume({ geometry: t1.geometry, data: new Uint8Array(t1.data.length), meta: { ...xformMetaOf(t1), modality: 'SEG' } });
    expect(chooseOutputXformCodes(labels)).toEqual({ sformCode: 2, qformCode: 2 });
    expect(codes(await niftiGz(labels))).toEqual({ sform: 2, qform: 2 });
    // Not a NIfTI input (DICOM, memory): scanner space, as dcm2niix writes.
    expect(codes(await niftiGz(createVolume({ geometry: t1.geometry, data: new Uint8Array(t1.data.length) })))).toEqual({ sform: 1, qform: 1 });
  });
});
