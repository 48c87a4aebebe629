/** The V8 flag bin/medinfer.js sets for a one-shot `convert` (src/cli/main.ts tuneProcess): when, and when not. */
import { describe, expect, it } from 'vitest';
import { v8FlagFor } from '../../src/cli/main.js';

describe('v8FlagFor (bin/medinfer.js: the young generation of a one-shot convert)', () => {
  it('only for convert, on V8 10-13, never over the user own semi-space flags', () => {
    const flag = '--semi-space-growth-factor=1';
    expect(v8FlagFor(['convert', 'a', 'b.nii'], {}, '11.3.244.8-node.38', [])).toBe(flag);
    expect(v8FlagFor(['--verbose', 'convert'], {}, '12.4.254', [])).toBe(flag);
    for (const cmd of ['inspect', 'run', 'serve', 'worker']) expect(v8FlagFor([cmd], {}, '11.3.244', [])).toBeUndefined();
    expect(v8FlagFor([], {}, '11.3.244', [])).toBeUndefined();
    // An unknown flag would print an error line: only versions known to have it.
    expect(v8FlagFor(['convert'], {}, '14.0.1', [])).toBeUndefined();
    expect(v8FlagFor(['convert'], {}, '9.4.146', [])).toBeUndefined();
    expect(v8FlagFor(['convert'], { NODE_OPTIONS: '--max-semi-space-size=64' }, '11.3.244', [])).toBeUndefined();
    expect(v8FlagFor(['convert'], {}, '11.3.244', ['--min-semi-space-size=8'])).toBeUndefined();
  });
});
