import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/command.js';
import { readNifti } from '../../src/index.js';
import { loadNiftiReferences, rasAffineOf } from '../io/nifti/nifti-reference.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'medinfer-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: process.cwd(), env: {}, isTTY: false };
  const code = await main(argv, ctx);
  return { code, out, err };
}

interface Entry { file: string; format: string; size: number[]; spacing: number[]; origin: number[]; direction: number[]; dtype: string; frames: number; min: number; max: number; mean: number; patient?: unknown }

describe('medinfer inspect', () => {
  it('reports geometry in LPS and stats that agree with nibabel', async () => {
    const ref = loadNiftiReferences()['nibabel-data/example4d.nii.gz']!;
    const { code, out } = await cli('inspect', `${FIX}nifti/nibabel-data/example4d.nii.gz`, '--json');
    expect(code).toBe(0);
    const [e] = JSON.parse(out) as Entry[];
    expect(e).toMatchObject({ format: 'nifti', size: [128, 96, 24], frames: 2, dtype: 'int16', min: ref.min, max: ref.max });
    expect(e!.mean).toBeCloseTo(ref.sum / ref.count, 5);
    const a = ref.affine;
    // LPS origin = RAS translation with x and y negated; spacing = affine column norms.
    expect(e!.origin[0]).toBeCloseTo(-a[0]![3]!, 4);
    expect(e!.origin[1]).toBeCloseTo(-a[1]![3]!, 4);
    expect(e!.origin[2]).toBeCloseTo(a[2]![3]!, 4);
    for (let c = 0; c < 3; c++) expect(e!.spacing[c]).toBeCloseTo(Math.hypot(a[0]![c]!, a[1]![c]!, a[2]![c]!), 6);
    expect(e!.direction[4]).toBeCloseTo(-a[1]![1]! / e!.spacing[1]!, 6);
    expect(e!.patient).toBeUndefined();
  });

  it('gives one entry per file in a directory, lists failures and exits 1', async () => {
    const { code, out, err } = await cli('inspect', `${FIX}nifti/generated`, '--json');
    expect(code).toBe(1);
    const entries = JSON.parse(out) as Entry[];
    const names = readdirSync(`${FIX}nifti/generated`);
    // Every file but the Analyze pair and the truncated file is an entry.
    expect(entries).toHaveLength(names.length - 3);
    expect(err).toMatch(/E_DECODE: truncated\.nii: truncated NIfTI data/);
    expect(err).toMatch(/E_UNSUPPORTED: analyze\.hdr: Analyze 7\.5/);
  });

  it('prints a readable text report for rasters', async () => {
    const { code, out } = await cli('inspect', `${FIX}raster/grey16.png`);
    expect(code).toBe(0);
    expect(out).toMatch(/format +png \(16-bit\)/);
    expect(out).toMatch(/size +23 x 17 x 1/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli('inspect')).code).toBe(2);
    expect((await cli('inspect', 'x.nii', '--bogus')).code).toBe(2);
    expect((await cli('inspect', 'x.nii', '--max-voxels', 'lots')).code).toBe(2);
  });

  it('exits 1 naming the file when it is missing', async () => {
    const { code, err } = await cli('inspect', join(work, 'missing.nii'));
    expect(code).toBe(1);
    expect(err).toMatch(/E_INPUT: missing\.nii: cannot read file \(ENOENT\)/);
  });
});

describe('medinfer convert (NIfTI / raster inputs)', () => {
  it('rewrites a NIfTI as .nii.gz with the same world geometry and voxels', async () => {
    const src = `${FIX}nifti/generated/oblique.nii.gz`;
    const out = join(work, 'oblique-copy.nii.gz');
    const { code, out: stdout } = await cli('convert', src, out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/5x4x3 float32/);
    const a = await readNifti(new Uint8Array(readFileSync(src)));
    const b = await readNifti(new Uint8Array(readFileSync(out)));
    const ra = rasAffineOf(a);
    expect(Math.max(...rasAffineOf(b).map((x, i) => Math.abs(x - ra[i]!)))).toBeLessThan(1e-5);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(b.meta.nifti).toMatchObject({ sformCode: 1, qformCode: 1 });
    // Atomic write: no temporary file is left beside the output.
    expect(readdirSync(work).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('converts a PNG and honours --datatype', async () => {
    const out = join(work, 'grey8.nii');
    expect((await cli('convert', `${FIX}raster/grey8.png`, out, '--datatype', 'int16')).code).toBe(0);
    const v = await readNifti(new Uint8Array(readFileSync(out)));
    expect(v.type).toBe('int16');
    expect([...v.geometry.size]).toEqual([23, 17, 1]);
  });

  it('exits 2 for usage errors and 1 for unreadable input, leaving no output', async () => {
    expect((await cli('convert', `${FIX}raster/grey8.png`)).code).toBe(2);
    expect((await cli('convert', `${FIX}raster/grey8.png`, join(work, 'x.png'))).code).toBe(2);
    expect((await cli('convert', `${FIX}raster/grey8.png`, join(work, 'x.nii'), '--datatype', 'complex')).code).toBe(2);
    const bad = join(work, 'bad.nii');
    writeFileSync(bad, readFileSync(`${FIX}nifti/generated/truncated.nii`));
    const r = await cli('convert', bad, join(work, 'never.nii'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/E_DECODE: bad\.nii: truncated NIfTI data/);
    expect(readdirSync(work)).not.toContain('never.nii');
    const overflow = await cli('convert', `${FIX}raster/grey16.png`, join(work, 'o.nii'), '--datatype', 'uint8');
    expect(overflow.code).toBe(1);
    expect(overflow.err).toMatch(/E_SHAPE/);
  });
});
