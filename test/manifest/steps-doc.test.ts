/**
 * docs/manifest-steps.md is generated from the step validators (src/manifest/steps-doc.ts); it
 * ships with the package, so it must say what the validators accept. Regenerate with
 * `npm run build && node scripts/write-manifest-steps-doc.mjs`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderManifestStepsDoc } from '../../src/manifest/steps-doc.js';
import { validatePreprocessPlan } from '../../src/preprocess/validate-plan.js';
import { PREPROCESS_OPS } from '../../src/preprocess/validate-plan.js';
import { POSTPROCESS_OPS } from '../../src/postprocess/plan/ops.js';

describe('manifest step reference', () => {
  const doc = renderManifestStepsDoc();
  it('is the committed docs/manifest-steps.md', () => {
    expect(readFileSync(new URL('../../docs/manifest-steps.md', import.meta.url), 'utf8')).toBe(doc);
  });
  it('documents every op and the fields the validators read, with their defaults', () => {
    for (const op of [...PREPROCESS_OPS, ...POSTPROCESS_OPS]) expect(doc).toContain(`### \`${op}\``);
    // Fields and defaults come from the validators: conform's defaults are what validation fills in.
    const [conform] = validatePreprocessPlan([{ op: 'conform' }]);
    expect(conform).toMatchObject({ size: [256, 256, 256], voxelSize: 1, axcodes: 'LIA', interpolation: 'linear', skipConformed: true });
    const section = doc.slice(doc.indexOf('### `conform`'), doc.indexOf('### `normalizeMinMax`'));
    expect(section).toContain('| `size` | no | `[256,256,256]` |');
    expect(section).toContain('| `axcodes` | no | `"LIA"` | one of "LIA", "RAS" |');
    const crop = doc.slice(doc.indexOf('### `cropPad`'), doc.indexOf('### `letterbox`'));
    expect(crop).toContain('| `size` | yes (only with mode: "center")');
    expect(crop).toContain('| `margin` | no (only with mode: "foreground") | `0` |');
  });
});
