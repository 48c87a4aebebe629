/**
 * listFolder (node-files.ts): one walk gives the DICOM files (DICM marker or DICOM extension,
 * links to files included) and every other regular file for the other readers (links left out,
 * DICOMDIR and what lies in a folder of that name included), hidden entries skipped, each list
 * sorted - the lists the separate DICOM listing and recursive readdir gave before.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listDicomFiles, listFolder } from '../../../src/io/dicom/node-files.js';

const root = mkdtempSync(join(tmpdir(), 'medinfer-list-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 132 bytes with the DICM marker at 128 (enough for the listing, which reads no further). */
const marked = (): Uint8Array => {
  const b = new Uint8Array(132);
  b.set([0x44, 0x49, 0x43, 0x4d], 128);
  return b;
};

describe('listFolder', () => {
  it('splits one walk into DICOM files and other regular files', async () => {
    const dir = join(root, 'study');
    mkdirSync(join(dir, 'b', 'c'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    mkdirSync(join(dir, 'DICOMDIR'));
    writeFileSync(join(dir, 'a.dcm'), 'not even DICOM, but named so');
    writeFileSync(join(dir, 'b', 'noext'), marked());
    writeFileSync(join(dir, 'b', 'c', 'IM0001'), marked());
    writeFileSync(join(dir, 'b', 'notes.txt'), 'text');
    writeFileSync(join(dir, 'image.png'), 'png?');
    writeFileSync(join(dir, '.hidden', 'x.dcm'), marked());
    writeFileSync(join(dir, '.secret.dcm'), marked());
    writeFileSync(join(dir, 'DICOMDIR', 'inside.dcm'), marked());
    symlinkSync(join(dir, 'b', 'noext'), join(dir, 'link-to-dicom'));
    symlinkSync(join(dir, 'b', 'notes.txt'), join(dir, 'link-to-text'));
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
    const listed = await listFolder(dir, true);
    expect(listed.dicom).toEqual([join(dir, 'a.dcm'), join(dir, 'b', 'c', 'IM0001'), join(dir, 'b', 'noext'), join(dir, 'link-to-dicom')]);
    expect(listed.others).toEqual([join(dir, 'DICOMDIR', 'inside.dcm'), join(dir, 'b', 'notes.txt'), join(dir, 'image.png')]);
    expect(await listDicomFiles(dir)).toEqual(listed.dicom);
    // A folder given with a trailing separator lists the same paths (join's form).
    expect((await listFolder(`${dir}/`, false)).dicom).toEqual(listed.dicom);
  });
});
