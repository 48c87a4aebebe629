/** SEG on series written by another toolkit (pydicom fixtures): oblique, gantry tilt, non-uniform and missing slices. */
import { decodeDicomFrames } from '../../../src/io/dicom/read-dicom.js';
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../../src/core/volume.js';
import { readDicomSeries } from '../../../src/io/dicom/index.js';
import { createDicomSeg, describeDicomSource, DICOM_CODES } from '../../../src/io/dicom-write/index.js';
import { folderFiles } from '../dicom/helpers.js';
import { hasDciodvfy, runDciodvfy, segToLabels } from './helpers.js';

const SEGMENT = {
  label: 3,
  name: 'blob',
  category: DICOM_CODES.tissue,
  type: { value: '85756007', scheme: 'SCT', meaning: 'Tissue' },
  color: [10, 200, 30] as const,
};

describe.each(['series-oblique', 'series-variants/tilt', 'series-variants/nonuniform', 'series-variants/missing'])('SEG on %s', (folder) => {
  it('places every frame on its source slice and reads back to the same labels', async () => {
    const files = folderFiles(folder).reverse();
    const volume = await readDicomSeries(files);
    const source = describeDicomSource(files);
    expect(source.instances.map((i) => i.name)).toEqual(volume.meta['files']);
    const [nx, ny, nz] = volume.geometry.size;
    const data = new Uint8Array(nx * ny * nz);
    // A diagonal blob crossing every other slice; even slices stay empty and get no frame.
    for (let k = 1; k < nz; k += 2) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (Math.abs(i - j - k) < 3) data[i + nx * (j + ny * k)] = 3;
    const labels = createVolume({ geometry: volume.geometry, data });
    const seg = createDicomSeg({ labels, source, segments: [SEGMENT], algorithm: { name: 'm', version: 'v' } });
    const back = await decodeDicomFrames(seg);
    expect(back.frames).toBe(Math.floor(nz / 2));
    expect(Array.from(segToLabels(seg, back.data, source, () => 3))).toEqual(Array.from(data));
    if (hasDciodvfy()) expect(runDciodvfy(seg, 'seg.dcm').filter((l) => /Error/.test(l))).toEqual([]);
  });
});
