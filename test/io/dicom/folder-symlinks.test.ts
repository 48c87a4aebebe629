/**
 * The DICOM folder reader follows symlinks to files (archives are often symlink farms): a series
 * whose slices are links reads exactly like the real files; a dangling link is not a slice.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { FIXTURES } from './helpers.js';

test('a series of symlinked slices equals the series itself; dangling links are left out', async () => {
  const source = join(FIXTURES, 'series-oblique');
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-dicom-links-'));
  try {
    const names = readdirSync(source).filter((n) => n.endsWith('.dcm'));
    for (const n of names) symlinkSync(join(source, n), join(dir, n));
    symlinkSync(join(dir, 'does-not-exist.dcm'), join(dir, 'zz-gone.dcm'));
    const linked = await readDicomDirectory(dir);
    const real = await readDicomDirectory(source);
    expect(linked.errors).toEqual([]);
    expect(linked.series).toHaveLength(1);
    expect(linked.series[0]!.geometry).toEqual(real.series[0]!.geometry);
    expect(linked.series[0]!.geometry.size[2]).toBe(names.length);
    expect(Array.from(linked.series[0]!.data)).toEqual(Array.from(real.series[0]!.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
