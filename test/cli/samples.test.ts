/**
 * `medinfer samples` as a newcomer uses it: write the samples, then run every bundled model on its
 * sample exactly as README.txt says (in-process CLI, TypeScript sources, bundled manifest).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli-main.js';
import { indexToWorld, readNifti } from '../../src/index.js';
import { readDicomDirectory, readRaster } from '../../src/node.js';

const work = mkdtempSync(join(tmpdir(), 'medinfer-samples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (...argv: string[]) => runMain(argv, { cwd: work });

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const json = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
let written: string;
/** README.txt's run lines: model id -> input path (relative to work). */
const lines: { model: string; input: string; output: string }[] = [];

beforeAll(async () => {
  const r = await cli('samples', 'samples');
  expect(r.code, r.err).toBe(0);
  written = r.out;
  for (const m of readFileSync(join(work, 'samples', 'README.txt'), 'utf8').matchAll(/^medinfer run --model (\S+) --input (\S+) --output (\S+)$/gm)) {
    lines.push({ model: m[1]!, input: m[2]!, output: m[3]! });
  }
}, 120_000);

describe('medinfer samples', () => {
  it('prints one line per file, names every bundled model in README.txt, and is deterministic', async () => {
    const printed = written.trim().split('\n');
    expect(printed.at(-1)).toBe(join('samples', 'README.txt'));
    // 1 PNG + CT NIfTI + 128 CT slices + 4 MRI + 2 lung volumes + 2 landmark files + pairs.csv + reports.csv
    // + the real T1 and its licence + README
    expect(printed).toHaveLength(1 + 1 + 128 + 4 + 2 + 2 + 1 + 1 + 2 + 1);
    // The real T1 is the file the package ships, unchanged, with brainchop's MIT licence next to it.
    expect(sha(join(work, 'samples', 'brain-t1', 't1_crop.nii.gz'))).toBe('9f5708dd1980fe0017ad70f63d895bae66bd9f5487eb1c38d129591116113613');
    expect(readFileSync(join(work, 'samples', 'brain-t1', 'LICENSE.brainchop'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2021 neuroneural\/brainchop/);
    expect(readFileSync(join(work, 'samples', 'README.txt'), 'utf8')).toMatch(/brain-t1\/t1_crop\.nii\.gz is a real T1-weighted brain MRI/);
    // Run lines on the real T1 name brainchop's models (once their manifest entries exist); the
    // phantom samples keep the phantom models.
    expect(
      lines
        .filter((l) => !l.input.includes('brain-t1/'))
        .map((l) => l.model)
        .sort(),
    ).toEqual([
      'medinfer-brats-unet3d-phantom',
      'medinfer-cxr-densenet-phantom',
      'medinfer-cxr-yolo-phantom',
      'medinfer-lung-voxelmorph-phantom',
      'medinfer-nodule-det3d-phantom',
      'medinfer-nodule-det3d-phantom',
      'medinfer-report-textcnn-phantom',
    ]);
    // A non-empty folder is refused with a typed usage error; --force rewrites identical bytes.
    const files = ['chest-ct/chest-ct.nii.gz', 'chest-ct/dicom/IM0064.dcm', 'radiograph/chest-xray.png', 'brain-mri/case01_flair.nii.gz'];
    const before = files.map((f) => sha(join(work, 'samples', f)));
    const refused = await cli('samples', 'samples');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/E_USAGE: samples: .* is not empty .* --force/);
    const forced = await cli('samples', 'samples', '--force');
    expect(forced.code).toBe(0);
    expect(files.map((f) => sha(join(work, 'samples', f)))).toEqual(before);
  }, 120_000);

  it('writes a 16-bit radiograph and a DICOM series identical to the NIfTI in geometry and HU', async () => {
    const png = await readRaster(join(work, 'samples/radiograph/chest-xray.png'));
    expect(png.type).toBe('uint16');
    let max = 0;
    for (const v of png.data) max = Math.max(max, v);
    // 12-bit values: far above 8 bits, never above 4095.
    expect(max).toBeGreaterThan(1000);
    expect(max).toBeLessThanOrEqual(4095);
    const nii = await readNifti(new Uint8Array(readFileSync(join(work, 'samples/chest-ct/chest-ct.nii.gz'))));
    const { series, errors } = await readDicomDirectory(join(work, 'samples/chest-ct/dicom'));
    expect(errors).toEqual([]);
    expect(series).toHaveLength(1);
    const dcm = series[0]!;
    expect(dcm.geometry.size).toEqual(nii.geometry.size);
    for (const c of [
      [0, 0, 0],
      [255, 0, 127],
      [17, 200, 64],
    ]) {
      const a = indexToWorld(dcm.geometry, c);
      const b = indexToWorld(nii.geometry, c);
      for (let d = 0; d < 3; d++) expect(a[d]).toBeCloseTo(b[d]!, 3);
    }
    for (const v of [0, 123_457, 4_000_000, nii.data.length - 1]) expect(dcm.data[v]).toBe(nii.data[v]);
  }, 120_000);

  it('every README line runs with exit 0 and sensible results', async () => {
    for (const l of lines) {
      const r = await cli('run', '--model', l.model, '--input', l.input, '--output', l.output, '--provider', 'cpu', '--quiet', '--overwrite');
      expect(r.code, `${l.model} ${l.input}: ${r.err}`).toBe(0);
    }
    const outDir = (model: string) => join(work, 'medinfer-out', model);
    const results = (model: string) => readdirSync(outDir(model)).filter((f) => f.endsWith('.json'));

    const cls = json<{ labels: { name: string; score: number; positive: boolean }[] }>(join(outDir('medinfer-cxr-densenet-phantom'), 'chest-xray.json'));
    expect(cls.labels.length).toBe(5);
    for (const label of cls.labels) expect(label.score).toBeGreaterThanOrEqual(0);
    // The sample has cardiomegaly and an effusion drawn in: the phantom classifier must see them.
    expect(cls.labels.find((x) => x.name === 'Cardiomegaly')!.positive).toBe(true);
    expect(cls.labels.find((x) => x.name === 'Effusion')!.positive).toBe(true);

    const det2 = json<{ detections: { label: string }[] }>(join(outDir('medinfer-cxr-yolo-phantom'), 'chest-xray.json'));
    expect(det2.detections.length).toBeGreaterThan(0);

    const det3 = results('medinfer-nodule-det3d-phantom').map((f) =>
      json<{ detections: { score: number; box: { world: { center: number[] } } }[] }>(join(outDir('medinfer-nodule-det3d-phantom'), f)),
    );
    expect(det3).toHaveLength(2);
    // NIfTI and DICOM inputs of the same scan find the same nodules, but not bit-identically: the
    // model resamples 128 slices of 1.25 mm to 2.5 mm with MONAI's rule round(127 * 1.25 / 2.5 + 1)
    // = round(64.5), an exact half. The DICOM slice spacing, derived from DS positions, is
    // 1.2500000000031 mm, which tips it to 65 slices (NIfTI: 64), so scores move by a few percent.
    const strong = (d: (typeof det3)[number]) => d.detections.filter((x) => x.score > 0.5);
    expect(strong(det3[0]!).length).toBeGreaterThan(0);
    expect(strong(det3[1]!)).toHaveLength(strong(det3[0]!).length);
    for (const a of strong(det3[0]!)) {
      const b = strong(det3[1]!).find((x) => Math.hypot(...x.box.world.center.map((v, i) => v - a.box.world.center[i]!)) < 1);
      expect(b, `no DICOM detection near ${a.box.world.center.join(',')}`).toBeDefined();
      expect(Math.abs(b!.score - a.score)).toBeLessThan(0.1);
    }

    const seg = json<{ volumesMl: Record<string, number> }>(join(outDir('medinfer-brats-unet3d-phantom'), 'case01.json'));
    expect(Object.values(seg.volumesMl).reduce((a, b) => a + b, 0)).toBeGreaterThan(1);

    const reg = json<{ tre: { meanMm: number; identityMeanMm: number; count: number }; foldingPercent: number }>(
      join(outDir('medinfer-lung-voxelmorph-phantom'), 'case01.json'),
    );
    expect(reg.tre.count).toBeGreaterThan(10);
    expect(reg.tre.meanMm).toBeLessThan(reg.tre.identityMeanMm);

    const reports = results('medinfer-report-textcnn-phantom');
    expect(reports).toHaveLength(5);
    const rep = json<{ observations: { name: string; status: string }[] }>(join(outDir('medinfer-report-textcnn-phantom'), reports[0]!));
    expect(rep.observations).toHaveLength(14);
  }, 600_000);
});
