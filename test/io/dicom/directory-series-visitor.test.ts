/**
 * readDicomDirectory's onSeries (each series handed over as soon as it is assembled, every stack
 * of one series UID together, nothing collected) and seriesInstanceUid (only that series'
 * samples are read): what lets `medinfer convert <dir> <folder>` hold one series at a time and
 * `--series` skip the rest of a folder.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Volume } from '../../../src/core/volume.js';
import { readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import type { StreamedPart } from '../../../src/io/dicom/series-stream.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'dicom', 'series-variants');
const root = mkdtempSync(join(tmpdir(), 'medinfer-series-visitor-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** two-series (UIDs ...6005, ...6006) and mixed-orientation (one UID ...6007, two stacks) in one folder. */
const dir = join(root, 'exam');
mkdirSync(dir);
for (const sub of ['two-series', 'mixed-orientation']) for (const f of readdirSync(join(FIX, sub))) copyFileSync(join(FIX, sub, f), join(dir, `${sub}-${f}`));

const uidOf = (p: Volume | StreamedPart): string | undefined => ('stream' in p ? p.shell.meta.seriesInstanceUid : p.meta.seriesInstanceUid);

describe('readDicomDirectory: onSeries and seriesInstanceUid', () => {
  it('onSeries: one call per series UID (both stacks of ...6007 together), nothing collected; same volumes as the plain read', async () => {
    const calls: (Volume | StreamedPart)[][] = [];
    const visited = await readDicomDirectory(dir, { onSeries: (parts) => void calls.push([...parts]) });
    expect(visited.series).toEqual([]);
    expect(visited.streamed).toEqual([]);
    expect(calls.map((c) => c.map(uidOf))).toEqual([
      ['1.2.826.0.1.3680043.10.1234.6007', '1.2.826.0.1.3680043.10.1234.6007'],
      ['1.2.826.0.1.3680043.10.1234.6005'],
      ['1.2.826.0.1.3680043.10.1234.6006'],
    ]);
    const plain = await readDicomDirectory(dir);
    const sizes = (vs: readonly Volume[]) => vs.map((v) => `${v.meta.seriesInstanceUid} ${v.geometry.size.join('x')}`).sort();
    expect(sizes(calls.flat() as Volume[])).toEqual(sizes(plain.series));
  });

  it('seriesInstanceUid: only that series is assembled - another series that fails to assemble is never assembled', async () => {
    const mixed = join(root, 'with-duplicates');
    mkdirSync(mixed);
    // series-variants/duplicate: one series whose slice positions repeat - it fails when assembled.
    for (const sub of ['two-series', 'duplicate']) for (const f of readdirSync(join(FIX, sub))) copyFileSync(join(FIX, sub, f), join(mixed, `${sub}-${f}`));
    const all = await readDicomDirectory(mixed);
    expect(all.errors.map((e) => e.error.message)).toEqual([expect.stringMatching(/duplicate slice position/)]);
    const one = await readDicomDirectory(mixed, { seriesInstanceUid: '1.2.826.0.1.3680043.10.1234.6005' });
    expect(one.errors).toEqual([]);
    expect(one.series.map((v) => v.meta.seriesInstanceUid)).toEqual(['1.2.826.0.1.3680043.10.1234.6005']);
  });

  it('refuses options of the wrong type (typed UsageError)', async () => {
    await expect(readDicomDirectory(dir, { seriesInstanceUid: 5 as unknown as string })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(readDicomDirectory(dir, { onSeries: 'x' as never })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
