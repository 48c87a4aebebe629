/**
 * End to end through the SDK with the bundled 3D U-Net on the held-out BraTS-style phantoms the
 * manifest's Dice figures were measured on (generator, seed, count): each region's mean Dice
 * reproduced within 0.02.
 */
import { describe, expect, it } from 'vitest';
import { getModelEntry } from '../../src/index.js';
import { caseSeed, generateBrainMri } from '../../src/phantoms.js';
import { computeDice } from '../../src/ops.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const MODEL = 'medinfer-brats-unet3d-phantom';
const REGIONS: [string, readonly number[]][] = [
  ['diceWholeTumour', [1, 2, 4]],
  ['diceTumourCore', [1, 4]],
  ['diceEnhancing', [4]],
];

function mask(labels: ArrayLike<number>, members: readonly number[]): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let v = 0; v < labels.length; v++) out[v] = members.includes(labels[v]!) ? 1 : 0;
  return out;
}

describe('bundled segmentation model, end to end', () => {
  it('reproduces the manifest Dice (whole tumour, core, enhancing) on the held-out phantoms within 0.02', async () => {
    const manifest = await readManifestFile();
    const entry = getModelEntry(manifest, MODEL);
    const { seed, count } = entry.metrics!['diceWholeTumour']!.measuredOn as { seed: number; count: number };
    const pipe = await createPipeline('segmentation', MODEL, { manifest, provider: 'cpu' });
    const scores: Record<string, number[]> = Object.fromEntries(REGIONS.map(([k]) => [k, []]));
    for (let i = 0; i < count; i++) {
      const mri = generateBrainMri({ seed: caseSeed(seed, i) });
      const r = await pipe.run(mri.images);
      expect(r.labels.geometry).toEqual(mri.labels.geometry);
      for (const [key, members] of REGIONS)
        scores[key]!.push(computeDice(mask(r.labels.data, members), mask(mri.labels.data, members), { labels: [1] })[0]!.dice);
    }
    await pipe.dispose();
    for (const [key] of REGIONS) {
      const mean = scores[key]!.reduce((a, b) => a + b, 0) / count;
      expect(Math.abs(mean - entry.metrics![key]!.value), key).toBeLessThanOrEqual(0.02);
    }
    expect(scores['diceWholeTumour']!.reduce((a, b) => a + b, 0) / count).toBeGreaterThanOrEqual(0.9);
    expect(scores['diceEnhancing']!.reduce((a, b) => a + b, 0) / count).toBeGreaterThanOrEqual(0.8);
  }, 400_000); // 20 phantoms on 2 cores shared with the other test workers: minutes, not seconds
});
