/**
 * The checks on examples/node-js's printed output, shared by examples.test.ts (the package linked
 * from this repository) and packed-install.test.ts (the packed tarball installed from the registry
 * as the README says): both must print the same kind of answers. Registers one `it` per example;
 * `out()` gives each example's stdout lines, `samples()` the `medinfer samples` folder they read
 * (both filled in by the caller's beforeAll).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readImageFile } from '../../src/node.js';

export const JS_EXAMPLES = ['classify', 'detect-2d', 'detect-3d', 'segment', 'register', 'report-text'];
export const CHEXPERT = [
  'No Finding',
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Lung Lesion',
  'Lung Opacity',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Atelectasis',
  'Pneumothorax',
  'Pleural Effusion',
  'Pleural Other',
  'Fracture',
  'Support Devices',
];
export const CXR_LABELS = ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax'];

/** Registers the output checks of every examples/node-js script. */
export function checkNodeExamples(out: () => Record<string, string[]>, samples: () => string): void {
  it("classify: every label once with a 2-decimal score; the sample's forced findings are positive", () => {
    const lines = out().classify!;
    expect(lines.at(-1)).toBe('provider: cpu');
    const labels = lines.slice(0, -1).map((l) => /^(.+): (\d\.\d\d)( positive)?$/.exec(l));
    expect(
      labels.every((m) => m !== null),
      lines.join('\n'),
    ).toBe(true);
    expect(labels.map((m) => m![1]).sort()).toEqual([...CXR_LABELS].sort());
    // createSampleInputs forces Cardiomegaly, Effusion and Nodule present in the radiograph.
    for (const name of ['Cardiomegaly', 'Effusion', 'Nodule']) {
      const m = labels.find((x) => x![1] === name)!;
      expect(m[3], name).toBe(' positive');
      expect(Number(m[2])).toBeGreaterThan(0.5);
    }
  });

  it('detect-2d: a count line, then confident boxes inside the 256 x 256 radiograph', async () => {
    const [head, ...rows] = out()['detect-2d']!;
    const m = /^detections: (\d+), score >= 0\.5: (\d+)$/.exec(head!);
    expect(m, head).not.toBeNull();
    expect(Number(m![2])).toBe(rows.length);
    expect(Number(m![1])).toBeGreaterThanOrEqual(rows.length);
    expect(rows.length).toBeGreaterThan(0);
    const image = await readImageFile(join(samples(), 'radiograph/chest-xray.png'));
    const [w, h] = image.geometry.size;
    for (const row of rows) {
      const b = /^(.+): (\d\.\d\d) box i (\d+)-(\d+) j (\d+)-(\d+) size ([\d.]+) x ([\d.]+) mm$/.exec(row);
      expect(b, row).not.toBeNull();
      expect(CXR_LABELS).toContain(b![1]);
      const [i0, i1, j0, j1] = [3, 4, 5, 6].map((g) => Number(b![g]));
      expect(i0).toBeLessThan(i1!);
      expect(j0).toBeLessThan(j1!);
      expect(i1).toBeLessThanOrEqual(w);
      expect(j1).toBeLessThanOrEqual(h);
      // sizeMm = extent x spacing: the printed size matches the printed pixel box within rounding.
      expect(Math.abs(Number(b![7]) - (i1! - i0!) * image.geometry.spacing[0])).toBeLessThan(1.5 * image.geometry.spacing[0] + 0.1);
    }
    // Nodule is among the sample's forced findings.
    expect(rows.some((r) => r.startsWith('Nodule: '))).toBe(true);
  });

  it('detect-3d: NIfTI and DICOM series of the same CT give the same confident nodules', () => {
    const lines = out()['detect-3d']!;
    const found: Record<string, number[][]> = { nifti: [], dicom: [] };
    for (const source of ['nifti', 'dicom']) {
      const head = lines.find((l) => l.startsWith(`${source} detections: `));
      const m = /^\w+ detections: (\d+), score >= 0\.5: (\d+)$/.exec(head ?? '');
      expect(m, head).not.toBeNull();
      for (const l of lines.filter((x) => x.startsWith(`${source} nodule: `))) {
        const r = /^\w+ nodule: (\d\.\d\d) centre (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) mm diameter ([\d.]+) mm$/.exec(l);
        expect(r, l).not.toBeNull();
        expect(Number(r![5])).toBeGreaterThan(2); // phantom nodules are 4-15 mm
        found[source]!.push([2, 3, 4].map((g) => Number(r![g])));
      }
      expect(found[source]!.length).toBe(Number(m![2]));
      expect(found[source]!.length).toBeGreaterThan(0);
    }
    expect(found.dicom!.length).toBe(found.nifti!.length);
    for (const p of found.nifti!) {
      const nearest = Math.min(...found.dicom!.map((q) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!)));
      expect(nearest, `nifti nodule at ${p.join(' ')} mm`).toBeLessThan(2);
    }
  });

  it('segment: the label map is on the T1 grid and every tumour label has a volume > 0 ml', async () => {
    const lines = out().segment!;
    const t1 = await readImageFile(join(samples(), 'brain-mri/case01_t1.nii.gz'));
    expect(lines[0]).toBe(`label map: ${t1.geometry.size.join(' x ')} voxels, spacing ${t1.geometry.spacing.map((s) => s.toFixed(2)).join(' x ')} mm`);
    const volumes = Object.fromEntries(
      lines
        .slice(1, -1)
        .map((l) => /^(.+): ([\d.]+) ml$/.exec(l)!)
        .map((m) => [m[1], Number(m[2])]),
    );
    expect(Object.keys(volumes).sort()).toEqual(['edema', 'enhancing tumour', 'necrotic core']);
    const voxelMl = t1.geometry.spacing.reduce((a, b) => a * b, 1) / 1000;
    for (const [name, ml] of Object.entries(volumes)) {
      expect(ml, name).toBeGreaterThan(0);
      expect(ml, name).toBeLessThan(voxelMl * t1.geometry.size.reduce((a, b) => a * b, 1));
    }
    expect(lines.at(-1)).toBe('provider: cpu');
  });

  it("register: a 3-component field on the fixed grid, no folding, TRE below the identity's", async () => {
    const [field, folding, tre] = out().register!;
    const fixed = await readImageFile(join(samples(), 'lung-pair/case01_fixed.nii.gz'));
    expect(field).toBe(`displacement: ${fixed.geometry.size.join(' x ')} x 3`);
    expect(folding).toMatch(/^folding: \d+\.\d\d %$/);
    expect(Number(/([\d.]+)/.exec(folding!)![1])).toBeLessThan(1);
    const t = /^TRE: ([\d.]+) mm \(before: ([\d.]+) mm, (\d+) landmarks\)$/.exec(tre!);
    expect(t, tre).not.toBeNull();
    const landmarkLines = readFileSync(join(samples(), 'lung-pair/case01_fixed_landmarks.txt'), 'utf8').trim().split('\n').length;
    expect(Number(t![3])).toBe(landmarkLines);
    expect(Number(t![1])).toBeLessThan(Number(t![2]));
  });

  it('report-text: one line per report, CheXpert names with valid statuses', () => {
    const lines = out()['report-text']!;
    const csvRows = readFileSync(join(samples(), 'reports/reports.csv'), 'utf8').trim().split('\n').length - 1;
    expect(lines).toHaveLength(csvRows);
    lines.forEach((line, n) => {
      const [id, rest] = line.split(': ');
      expect(id).toBe(`report${n + 1}`);
      if (rest === 'nothing mentioned') return;
      for (const item of rest!.split(', ')) {
        const [name, status] = item.split('=');
        expect(CHEXPERT).toContain(name);
        expect(['positive', 'negative', 'uncertain']).toContain(status);
      }
    });
  });
}
