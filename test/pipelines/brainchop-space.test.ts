/**
 * An entry that declares the space its model was trained in but does not conform / reorient:
 * an input on other axes is refused with a typed error before the model runs - never segmented
 * silently on the wrong axes (issue 20 measured Dice 0.90 with no warning for that).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createPipeline, readManifestFile } from '../../src/node.js';
import { orientVolume } from '../../src/preprocess/orient.js';
import { readT1 } from './brainchop-helpers.js';

describe('space without conform', () => {
  it('refuses a RAS input for an LIA-trained model whose steps do not reorient', async () => {
    const manifest = await readManifestFile();
    const entry = manifest.models['brainchop-tissue-gwm-light']!;
    const noConform = { ...entry, id: 'tissue-without-conform', preprocess: entry.preprocess.filter((s) => s.op !== 'conform') };
    const pipe = await createPipeline('segmentation', noConform, { manifest });
    const ras = orientVolume(readT1(), { axcodes: 'RAS' }).volume;
    const error = await pipe.run(ras).then(
      () => null,
      (e: unknown) => e,
    );
    await pipe.dispose();
    expect(error).toBeInstanceOf(InputError);
    expect(String((error as Error).message)).toMatch(/axes RAS, not LIA/);
    expect((error as InputError).details['field']).toBe('space');
  });
});
