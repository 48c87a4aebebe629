/**
 * Labels of a crop-only plan (brainchop's cropForeground + toTensor ijk): argmax on the output
 * tensor written straight onto the uncropped grid (computeLabels' direct path) against the general
 * path (probabilities carried back onto the grid, then argmax), on logits that differ per voxel.
 */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/volume.js';
import type { ModelEntry } from '../../src/manifest/types.js';
import { computeLabels } from '../../src/pipelines/segmentation-labels.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';

describe('computeLabels on a cropped plan', () => {
  it('direct argmax onto the input grid = argmax of the probabilities carried back', () => {
    const size = [21, 18, 15];
    const data = new Uint8Array(size[0]! * size[1]! * size[2]!);
    for (let k = 3; k <= 11; k++)
      for (let j = 4; j <= 13; j++) for (let i = 2; i <= 17; i++) data[i + size[0]! * (j + size[1]! * k)] = 1 + ((i + 3 * j + 5 * k) % 200);
    const input = createVolume({ geometry: { size, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, data });
    const pre = runPreprocessPlan(input, [
      { op: 'cropForeground', mask: 'threshold', value: 0, padding: 1 },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
    ]);
    const dims = [1, 3, ...pre.tensor.dims.slice(2)];
    const n = dims[2]! * dims[3]! * dims[4]!;
    const logits = new Float32Array(3 * n);
    for (let c = 0; c < 3; c++) for (let v = 0; v < n; v++) logits[c * n + v] = Math.sin(v * (c + 1) * 0.37 + c);
    const entry = { id: 'test-crop', postprocess: [{ op: 'argmax' }], labels: ['background', 'a', 'b'] } as unknown as ModelEntry;
    const direct = computeLabels(entry, { data: logits.slice(), dims }, pre.records, { meta: {} });
    const general = computeLabels(entry, { data: logits.slice(), dims }, pre.records, { meta: {}, probabilities: true });
    expect(direct.probabilities).toBeUndefined();
    expect(direct.labels.geometry.size).toEqual(size);
    expect(Array.from(direct.labels.data)).toEqual(Array.from(general.labels.data));
    // Every label occurs inside the box; outside it, background.
    expect(new Set(direct.labels.data)).toEqual(new Set([0, 1, 2]));
    expect(direct.labels.data[0]).toBe(0);
  });
});
