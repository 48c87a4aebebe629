/**
 * File names of a folder read (meta.files, meta.source, errors) are paths relative to the folder
 * as path.relative gives them, however the folder itself is spelt (node-files.ts fileNamer takes
 * a shortcut for the paths it listed itself).
 */
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { FIXTURES } from './helpers.js';

async function namesOf(dir: string): Promise<{ files: string[]; errors: string[] }> {
  const { series, errors } = await readDicomDirectory(dir);
  return { files: series.flatMap((v) => (v.meta['files'] as string[]) ?? []).sort(), errors: errors.map((e) => e.file).sort() };
}

describe('folder read file names', () => {
  test('relative to the folder, nested ones with their subfolder, whatever the spelling of the folder', async () => {
    const plain = join(FIXTURES, 'series-variants');
    const expected = await namesOf(plain);
    expect(expected.files).toContain(join('two-series', 'a0.dcm'));
    expect(expected.errors).toEqual([`${join('duplicate', 'd0.dcm')} (+3 files)`]);
    for (const spelt of [`${plain}/`, relative(process.cwd(), plain), join(plain, '..', 'series-variants'), `${plain}/./`])
      expect(await namesOf(spelt)).toEqual(expected);
  });
});
