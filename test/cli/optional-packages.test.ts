import { describe, expect, it } from 'vitest';
import { describeMissingOptional } from '../../src/cli/optional-packages.js';

describe('optional packages', () => {
  it('a missing bullmq / ioredis is an install line, anything else is left alone', async () => {
    const missing = (pkg: string) =>
      Object.assign(new Error(`Cannot find package '${pkg}' imported from /x/dist/cli/commands/queue.js`), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(describeMissingOptional(missing('bullmq'))).toMatch(/job queue .* optional package 'bullmq'.*npm install bullmq/);
    expect(describeMissingOptional(missing('ioredis'))).toMatch(/optional package 'ioredis'/);
    expect(describeMissingOptional(missing('sharp'))).toBeUndefined();
    expect(describeMissingOptional(new Error('boom'))).toBeUndefined();
    // The real shape of Node's error for a package that is not installed.
    const real = await import('not-an-installed-package-medinfer' as string).catch((e: unknown) => e);
    expect((real as { code: string }).code).toBe('ERR_MODULE_NOT_FOUND');
    expect(describeMissingOptional(real)).toBeUndefined();
  });
});
