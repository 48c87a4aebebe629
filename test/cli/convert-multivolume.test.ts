/**
 * `medinfer convert` / `inspect` on multi-volume DICOM series (synthetic files): a 4D NIfTI for
 * repeated volumes (dim[0] = 4, pixdim[4] = TR in s), one file per echo / image component named
 * with dcm2niix's suffixes, and nothing at all written when one part fails.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../helpers/cli-main.js';
import { classicSlice, type ClassicSlice } from '../io/dicom/multivolume-synthetic.js';

const work = mkdtempSync(join(tmpdir(), 'medinfer-mv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (...argv: string[]) => runMain(argv);

function folder(name: string, slices: readonly ClassicSlice[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  slices.forEach((s, k) => writeFileSync(join(dir, `im${String(k).padStart(3, '0')}.dcm`), classicSlice(s)));
  return dir;
}

function header(path: string): { dim: number[]; pixdim: number[]; xyztUnits: number } {
  const b = readFileSync(path);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    dim: Array.from({ length: 8 }, (_, k) => v.getInt16(40 + 2 * k, true)),
    pixdim: Array.from({ length: 8 }, (_, k) => v.getFloat32(76 + 4 * k, true)),
    xyztUnits: v.getUint8(123),
  };
}

const Z = [0, 2, 4];

describe('medinfer convert: multi-volume DICOM series', () => {
  it('time series -> one 4D NIfTI: dim[0] 4, dim[4] volumes, pixdim[4] = TR in s, units mm + s', async () => {
    const dir = folder(
      'fmri',
      Z.flatMap((z, k) => [1, 2, 3, 4].map((t) => ({ z, t, inst: 4 * k + t, value: 10 * t + k, tr: 1500 }))),
    );
    const out = join(work, 'fmri-out', 'bold.nii');
    mkdirSync(join(work, 'fmri-out'));
    const r = await cli('convert', dir, out);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${out}: 3x4x3x4 uint16, spacing 1x1x2 mm\n`);
    const h = header(out);
    expect(h.dim.slice(0, 5)).toEqual([4, 3, 4, 3, 4]);
    expect(h.pixdim[4]).toBeCloseTo(1.5, 6);
    expect(h.xyztUnits).toBe(10);
  });

  it('echoes x magnitude / phase -> <out>_e1, _e1_ph, _e2, _e2_ph, one line each', async () => {
    const dir = folder(
      'me',
      Z.flatMap((z, k) =>
        [1, 2].flatMap((echo) =>
          ['M', 'P'].map((c, ci) => ({
            z,
            echo,
            te: 4 * echo,
            inst: 1 + k + 3 * (ci + 2 * (echo - 1)),
            imageType: `ORIGINAL\\PRIMARY\\${c}\\ND`,
            value: 100 * echo + 10 * ci + k,
          })),
        ),
      ),
    );
    const outDir = join(work, 'me-out');
    mkdirSync(outDir);
    const r = await cli('convert', dir, join(outDir, 'gre.nii.gz'));
    expect(r.code).toBe(0);
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual(['_e1', '_e1_ph', '_e2', '_e2_ph'].map((p) => join(outDir, `gre${p}.nii.gz`)));
    expect(readdirSync(outDir).sort()).toEqual(['gre_e1', 'gre_e1_ph', 'gre_e2', 'gre_e2_ph'].flatMap((p) => [`${p}.json`, `${p}.nii.gz`]).sort());
    // Each part's sidecar holds its own echo (EchoTime 4 / 8 ms stated per file, in seconds).
    const sidecar = (p: string) => JSON.parse(readFileSync(join(outDir, `gre${p}.json`), 'utf8')) as Record<string, unknown>;
    expect(['_e1', '_e1_ph', '_e2', '_e2_ph'].map((p) => [sidecar(p)['EchoNumber'], sidecar(p)['EchoTime']])).toEqual([
      [1, 0.004],
      [1, 0.004],
      [2, 0.008],
      [2, 0.008],
    ]);
    const ins = await cli('inspect', dir, '--json');
    const entries = JSON.parse(ins.out) as { part: { suffix: string; echoNumber: number; component: string; volumes: number } }[];
    expect(entries.map((e) => e.part)).toEqual([
      { suffix: '_e1', echoNumber: 1, component: 'magnitude', volumes: 1 },
      { suffix: '_e1_ph', echoNumber: 1, component: 'phase', volumes: 1 },
      { suffix: '_e2', echoNumber: 2, component: 'magnitude', volumes: 1 },
      { suffix: '_e2_ph', echoNumber: 2, component: 'phase', volumes: 1 },
    ]);
  });

  it('one part that cannot be assembled -> exit 1 and no file at all', async () => {
    // Echo 1 is fine; echo 2 lacks a slice in its second volume (uneven positions).
    const echo1 = Z.map((z, k) => ({ z, echo: 1, inst: k + 1, value: k }));
    const echo2 = Z.flatMap((z, k) => [1, 2].map((t) => ({ z, echo: 2, t, inst: 10 + 2 * k + t, value: 50 + k }))).slice(0, -1);
    const dir = folder('broken', [...echo1, ...echo2]);
    const outDir = join(work, 'broken-out');
    mkdirSync(outDir);
    const r = await cli('convert', dir, join(outDir, 'x.nii'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/E_INPUT: .*incomplete volumes/);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
