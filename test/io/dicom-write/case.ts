/** The shared writer-test case: the source series of source-series.ts and a label map on its grid. */
import { createVolume } from '../../../src/core/volume.js';
import { readDicomSeries } from '../../../src/io/dicom/index.js';
import { describeDicomSource } from '../../../src/io/dicom-write/index.js';
import { COLUMNS, makeSourceSeries, ROWS, SLICES } from './source-series.js';

/** Labels on the source grid: slice 2 empty, label 5 only on slice 4, label 2 inside label 1. */
export async function makeCase() {
  const files = makeSourceSeries();
  const volume = await readDicomSeries(files);
  const labels = new Uint8Array(COLUMNS * ROWS * SLICES);
  for (let k = 0; k < SLICES; k++) {
    if (k === 2) continue;
    for (let j = 0; j < ROWS; j++) {
      for (let i = 0; i < COLUMNS; i++) {
        const p = i + COLUMNS * (j + ROWS * k);
        if (i >= 1 && i <= 6 && j >= 1 && j <= 5) labels[p] = 1;
        if (i >= 3 && i <= 4 && j >= 2 && j <= 3 && k >= 1) labels[p] = 2;
        if (k === 4 && i === 9) labels[p] = 5;
      }
    }
  }
  const labelMap = createVolume({ geometry: volume.geometry, data: labels, meta: { source: 'labels' } });
  return { files, volume, labelMap, labels, source: describeDicomSource(files) };
}
