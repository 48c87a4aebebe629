/**
 * End to end through the SDK with the bundled VoxelMorph-style model on the held-out inhale /
 * exhale phantom pairs the manifest's TRE was measured on: mean TRE within 0.1 mm and folding
 * within 0.02 percentage points of the manifest; TRE at most 40% of the identity TRE.
 */
import { describe, expect, it } from 'vitest';
import { getModelEntry } from '../../src/index.js';
import { caseSeed, generateLungCtPair } from '../../src/phantoms.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const MODEL = 'medinfer-lung-voxelmorph-phantom';

describe('bundled registration model, end to end', () => {
  it('reproduces the manifest TRE and folding on the held-out phantom pairs', async () => {
    const manifest = await readManifestFile();
    const entry = getModelEntry(manifest, MODEL);
    const { seed, count } = entry.metrics!['meanTreMm']!.measuredOn as { seed: number; count: number };
    const pipe = await createPipeline('registration', MODEL, { manifest, provider: 'cpu' });
    const tre: number[] = [];
    const identity: number[] = [];
    const folding: number[] = [];
    for (let i = 0; i < count; i++) {
      const pair = generateLungCtPair({ seed: caseSeed(seed, i) });
      const r = await pipe.run({
        fixed: pair.exhale,
        moving: pair.inhale,
        landmarks: { fixed: pair.landmarksExhale.flat(), moving: pair.landmarksInhale.flat() },
      });
      tre.push(r.tre!.meanMm);
      identity.push(r.tre!.identityMeanMm);
      folding.push(r.foldingPercent);
    }
    await pipe.dispose();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(tre) - entry.metrics!['meanTreMm']!.value)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(mean(identity) - entry.metrics!['identityTreMm']!.value)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(mean(folding) - entry.metrics!['foldingPercent']!.value)).toBeLessThanOrEqual(0.02);
    expect(mean(tre)).toBeLessThanOrEqual(0.4 * mean(identity));
    expect(mean(folding)).toBeLessThan(1);
  });
});
