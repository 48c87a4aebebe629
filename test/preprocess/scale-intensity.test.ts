/** scaleIntensity: MONAI ScaleIntensity(minv, maxv) = rescale_array, whole-volume and per channel. */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import { runPreprocessPlan, scaleIntensity } from '../../src/preprocess/index.js';

describe('scaleIntensity', () => {
  it("maps the volume's min / max to [min, max] (MONAI rescale_array), over all channels or per channel", () => {
    // Two channels (frames), 3 voxels each: minimum -4, maximum 12 over both.
    const v = createVolume({ geometry: { size: [3, 1, 1] }, data: new Float32Array([-4, 0, 4, 2, 6, 12]), frames: 2 });
    const all = scaleIntensity(v, { min: -1, max: 1, channelWise: false });
    // (x + 4) / 16 * 2 - 1
    expect(Array.from(all.volume.data)).toEqual([-1, -0.5, 0, -0.25, 0.25, 1]);
    const per = scaleIntensity(v, { min: 0, max: 1, channelWise: true });
    expect(Array.from(per.volume.data)).toEqual(Array.from(Float32Array.of(0, 0.5, 1, 0, 0.4, 1)));
  });

  it('a constant image becomes x * min, as MONAI returns arr * minv', () => {
    const v = createVolume({ geometry: { size: [2, 1, 1] }, data: new Float32Array([3, 3]) });
    expect(Array.from(scaleIntensity(v, { min: -1, max: 1, channelWise: false }).volume.data)).toEqual([-3, -3]);
  });

  it("is a plan step the manifest can name, after a z-score (the whole-body CT bundle's order)", () => {
    const v = createVolume({ geometry: { size: [4, 1, 1] }, data: new Float32Array([0, 10, 20, 30]) });
    const { tensor } = runPreprocessPlan(v, [
      { op: 'zscore', nonzero: true, channelWise: false },
      { op: 'scaleIntensity', min: -1, max: 1 },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
    ]);
    // nonzero z-score leaves the 0 at 0 (-1.2247, 0, 1.2247 for 10, 20, 30), then min-max over [-1.2247, 1.2247].
    expect(Array.from(tensor.data as Float32Array).map((x) => Number(x.toFixed(5)))).toEqual([0, -1, 0, 1]);
  });
});
