import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain } from '../helpers/cli-main.js';
import { indexToWorld, readNifti, voxelCount, voxelOffset, worldToIndex, writeNifti, type Volume } from '../../src/index.js';
import { loadNiftiReferences, rasAffineOf } from '../io/nifti/nifti-reference.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'medinfer-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (...argv: string[]) => runMain(argv);

interface Entry {
  file: string;
  format: string;
  size: number[];
  spacing: number[];
  origin: number[];
  direction: number[];
  dtype: string;
  frames: number;
  min: number;
  max: number;
  mean: number;
  patient?: unknown;
}

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
    // The input's space is kept: nibabel wrote sform_code 2 (aligned), qform_code 0.
    expect(b.meta.nifti).toMatchObject({ sformCode: 2, qformCode: 2 });
    // Atomic write: no temporary file is left beside the output.
    expect(readdirSync(work).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps a template space code (MNI-152 = 4) instead of relabelling it as scanner space', async () => {
    const src = await readNifti(new Uint8Array(readFileSync(`${FIX}nifti/generated/dtype-int16.nii`)));
    const mni = join(work, 'mni-in.nii');
    writeFileSync(mni, writeNifti(src, { sformCode: 4, qformCode: 4 }));
    const out = join(work, 'mni-out.nii');
    expect((await cli('convert', mni, out)).code).toBe(0);
    expect((await readNifti(new Uint8Array(readFileSync(out)))).meta.nifti).toMatchObject({ sformCode: 4, qformCode: 4 });
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

/**
 * World-space agreement with dcm2niix: every voxel centre of dcm2niix's grid must coincide with a
 * voxel centre of ours within `tolMm` and hold the identical value. dcm2niix may flip or reorder
 * axes (it flips rows, orders slices its own way), so grids are matched through world positions.
 */
function expectSameWorldImage(ours: Volume, ref: Volume, tolMm: number): { voxels: number; worstMm: number } {
  expect(voxelCount(ours.geometry)).toBe(voxelCount(ref.geometry));
  const [nx, ny, nz] = ref.geometry.size;
  const seen = new Uint8Array(voxelCount(ours.geometry));
  let worstMm = 0;
  let mismatches = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const world = indexToWorld(ref.geometry, [i, j, k]);
        const idx = worldToIndex(ours.geometry, world).map(Math.round) as [number, number, number];
        expect(idx.every((v, a) => v >= 0 && v < ours.geometry.size[a]!)).toBe(true);
        const back = indexToWorld(ours.geometry, idx);
        worstMm = Math.max(worstMm, Math.hypot(back[0] - world[0], back[1] - world[1], back[2] - world[2]));
        const offset = voxelOffset(ours.geometry, idx[0], idx[1], idx[2]);
        seen[offset] = 1;
        if (ours.data[offset] !== ref.data[voxelOffset(ref.geometry, i, j, k)]) mismatches++;
      }
    }
  }
  expect(worstMm).toBeLessThan(tolMm);
  expect(mismatches).toBe(0);
  expect(seen.every((s) => s === 1)).toBe(true);
  return { voxels: seen.length, worstMm };
}

describe('medinfer convert DICOM -> NIfTI agrees with dcm2niix in world space (1e-3 mm, identical values)', () => {
  it.each([
    ['oblique CT series, shuffled file names', 'dicom/series-oblique', 'series-oblique'],
    ['sagittal MR series (uint16, 12 bits), shuffled file names', 'convert/mr-sagittal', 'mr-sagittal'],
    ['single CT file', 'dicom/CT_small.dcm', 'ct-small'],
  ])('%s', async (_label, input, refName) => {
    const out = join(work, `${refName}.nii.gz`);
    const r = await cli('convert', `${FIX}${input}`, out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ours = await readNifti(new Uint8Array(readFileSync(out)), { name: out });
    const ref = await readNifti(new Uint8Array(readFileSync(`${FIX}convert/dcm2niix/${refName}.nii.gz`)), { name: refName });
    expect(ours.meta.nifti).toMatchObject({ sformCode: 1, qformCode: 1 });
    const { worstMm } = expectSameWorldImage(ours, ref, 1e-3);
    expect(worstMm).toBeLessThan(1e-3);
  });

  it('refuses a folder with several series unless --series picks one', async () => {
    const dir = `${FIX}dicom/series-variants/two-series`;
    const r = await cli('convert', dir, join(work, 'two.nii'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/2 images \/ series; choose one with --series/);
    const uid = (JSON.parse((await cli('inspect', dir, '--json')).out) as { seriesInstanceUid: string }[])[0]!.seriesInstanceUid;
    expect((await cli('convert', dir, join(work, 'two.nii'), '--series', uid)).code).toBe(0);
  });

  it('names the stacks of one series UID in two orientations (--series cannot pick them apart)', async () => {
    const dir = `${FIX}dicom/series-variants/mixed-orientation`;
    const r = await cli('convert', dir, join(work, 'mixed.nii'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/E_INPUT: .*holds 2 image stacks of different orientation or size \(o0\.dcm \(\+2 files\): 8x8x3; o3\.dcm \(\+1 files\): 8x8x2\)/);
    expect(readdirSync(work)).not.toContain('mixed.nii');
  });

  // Found by scripts/dcm-qa/sweep.mjs: a GE MPRAGE folder with one file removed was written on the
  // mean spacing, slices up to 0.7 mm from where the scanner put them (dcm2niix: stack + _Eq_1).
  it('refuses a stack with a missing slice (NIfTI cannot place it) unless --allow-nonuniform-slices', async () => {
    const dir = `${FIX}dicom/series-variants/missing`;
    const out = join(work, 'missing.nii');
    const r = await cli('convert', dir, out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /E_INPUT: .*missing: slice positions are not uniform: a slice lies 1\.000 mm from the uniform grid of 2\.500 mm steps.*--allow-nonuniform-slices/,
    );
    expect(readdirSync(work)).not.toContain('missing.nii');
    const forced = await cli('convert', dir, out, '--allow-nonuniform-slices');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/warning: missing slices: about 1 slice/);
    const v = await readNifti(new Uint8Array(readFileSync(out)), { name: 'missing.nii' });
    expect(v.geometry.size[2]).toBe(5);
    expect(v.geometry.spacing[2]).toBeCloseTo(2.5, 5);
    // A gantry-tilted stack is uniform along its own axis: still written.
    expect((await cli('convert', `${FIX}dicom/series-variants/tilt`, join(work, 'tilt.nii'))).code).toBe(0);
  });
});

describe('patient identifiers (fake ones in convert/mr-sagittal) stay out unless --show-phi', () => {
  const PHI = /Doe|Jane|PHI-SECRET-42|19700101/;

  it('inspect text and JSON carry none by default, and show them with --show-phi', async () => {
    for (const args of [[], ['--json']]) {
      const r = await cli('inspect', `${FIX}convert/mr-sagittal`, ...args);
      expect(r.code).toBe(0);
      expect(r.out + r.err).not.toMatch(PHI);
      expect(r.out).toMatch(/MR/);
    }
    const shown = await cli('inspect', `${FIX}convert/mr-sagittal`, '--json', '--show-phi');
    const [entry] = JSON.parse(shown.out) as { patient: unknown }[];
    expect(entry!.patient).toEqual({ name: 'Doe^Jane', id: 'PHI-SECRET-42', birthDate: '19700101' });
  });

  it('converted NIfTI files and error messages carry none', async () => {
    const out = join(work, 'mr-phi.nii');
    expect((await cli('convert', `${FIX}convert/mr-sagittal`, out)).code).toBe(0);
    expect(Buffer.from(readFileSync(out)).toString('latin1')).not.toMatch(PHI);
    const broken = mkdtempSync(join(work, 'broken-'));
    const slice = readFileSync(`${FIX}convert/mr-sagittal/slice-00.dcm`);
    writeFileSync(join(broken, 'slice-00.dcm'), slice.subarray(0, slice.length - 100));
    for (const r of [
      await cli('inspect', broken),
      await cli('convert', broken, join(work, 'never2.nii')),
      await cli('convert', join(broken, 'slice-00.dcm'), join(work, 'never3.nii')),
    ]) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/slice-00\.dcm/);
      expect(r.out + r.err).not.toMatch(PHI);
    }
  });
});
