/**
 * De-identified by default: a DICOM file with every attribute of the PS3.15 Basic Application
 * Level Confidentiality Profile (plus a private tag, a curve and overlay data) set to a marker
 * string. readDicomTags, summarizeDicomHeader, `inspect` (text and --json) and `convert` (NIfTI
 * bytes, .nii.gz inflated, stdout and stderr) carry no marker by default; with showPhi /
 * --show-phi the header outputs do. Written in implicit VR so no VR table is needed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readDicomTags, summarizeDicomHeader } from '../../../src/io/dicom/header-summary.js';
import { BASIC_PROFILE_ATTRIBUTES } from '../../../src/io/dicom/phi-profile-table.js';
import { buildMarkedDicom, FRAME_UID, marker, MARK, SERIES_UID } from './phi-marked.js';
import { KEPT_UIDS } from '../../../src/io/dicom/phi-attributes.js';
import { readDicom } from '../../../src/io/dicom/read-dicom.js';
import { command as inspect } from '../../../src/cli/commands/inspect.js';
import { command as convert } from '../../../src/cli/commands/convert.js';
import type { CliContext } from '../../../src/cli/command.js';

const { bytes, markers } = buildMarkedDicom();
const work = mkdtempSync(join(tmpdir(), 'medinfer-phi-'));
const file = join(work, 'marked.dcm');
writeFileSync(file, bytes);

function countMarkers(text: string): number {
  return new Set(text.match(/PHIMARK[0-9A-Z]+/g) ?? []).size;
}

async function runCli(cmd: typeof inspect, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = { out: (t) => void (out += t), err: (t) => void (err += t), cwd: work, env: {}, isTTY: false } as CliContext;
  const code = await cmd.run(argv, ctx);
  return { code, out, err };
}

describe('confidentiality profile attributes stay out of default output', () => {
  it('the marked file covers the whole profile table and still reads as an image', async () => {
    expect(BASIC_PROFILE_ATTRIBUTES.length).toBeGreaterThan(600);
    expect(markers).toBeGreaterThan(600);
    const v = await readDicom(bytes, { name: 'marked.dcm' });
    expect(v.geometry.size).toEqual([4, 4, 1]);
    expect(JSON.stringify(v.meta)).not.toContain(MARK);
  });

  it('readDicomTags: none by default (kept UIDs only), every one with showPhi', () => {
    const tags = readDicomTags(bytes, { name: 'marked.dcm' });
    expect(JSON.stringify(tags)).not.toContain(MARK);
    expect(tags.find((t) => t.tag === '0020,000E')?.value).toBe(SERIES_UID);
    expect(tags.find((t) => t.tag === '0020,0052')?.value).toBe(FRAME_UID);
    expect(tags.find((t) => t.tag === '0028,0004')?.value).toBe('MONOCHROME2');
    expect([...KEPT_UIDS].sort()).toEqual(['x0020000e', 'x00200052']);
    const all = readDicomTags(bytes, { name: 'marked.dcm', phi: true });
    expect(countMarkers(JSON.stringify(all))).toBe(markers);
    // `showPhi` is the same switch under its earlier name.
    expect(readDicomTags(bytes, { name: 'marked.dcm', showPhi: true })).toEqual(all);
  });

  it('summarizeDicomHeader: none by default; patient block and study UID with showPhi', () => {
    const s = summarizeDicomHeader(bytes, { name: 'marked.dcm' });
    expect(JSON.stringify(s)).not.toContain(MARK);
    expect(s.seriesInstanceUid).toBe(SERIES_UID);
    const shown = summarizeDicomHeader(bytes, { name: 'marked.dcm', showPhi: true });
    expect(shown.patient).toEqual({ name: marker(0x10, 0x10), id: marker(0x10, 0x20), birthDate: marker(0x10, 0x30) });
    expect(shown.studyInstanceUid).toBe(marker(0x20, 0x0d));
  });

  it('inspect (text and --json): none by default; the patient block with --show-phi', async () => {
    for (const args of [[], ['--json']]) {
      const r = await runCli(inspect, file, ...args);
      expect(r.code).toBe(0);
      expect(r.out).toContain(SERIES_UID);
      expect(r.out + r.err).not.toContain(MARK);
    }
    const shown = await runCli(inspect, file, '--json', '--show-phi');
    expect(shown.out).toContain(marker(0x10, 0x10));
  });

  it('convert: no marker in the NIfTI bytes (.nii and inflated .nii.gz) or in anything printed', async () => {
    for (const name of ['marked.nii', 'marked.nii.gz']) {
      const out = join(work, name);
      const r = await runCli(convert, file, out);
      expect(r.code).toBe(0);
      expect(r.out + r.err).not.toContain(MARK);
      const written = readFileSync(out);
      const raw = name.endsWith('.gz') ? gunzipSync(written) : written;
      expect(raw.toString('latin1')).not.toContain(MARK);
      expect(raw.length).toBe(352 + 4 * 4 * 2);
    }
  });
});
