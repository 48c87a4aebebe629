/**
 * examples/ as a user's project sees them: `medinfer samples` into a temp folder, then each
 * example copied into a temp app whose node_modules/medinfer links to this repository (the
 * package's `exports` map points at dist/, so this runs the built package as published), run with
 * node and its printed summary checked. The TypeScript examples are compiled with the repo's tsc
 * (strict, against dist/*.d.ts) and must print exactly what the JavaScript ones print; the browser
 * example is type-checked against `medinfer/browser` (Vite itself is not run). Needs dist/
 * (npx tsc -p tsconfig.json).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../src/node.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'medinfer-examples-'));
const samples = join(work, 'samples');
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const JS_EXAMPLES = ['classify', 'detect-2d', 'detect-3d', 'segment', 'register', 'report-text'];
const CHEXPERT = ['No Finding', 'Enlarged Cardiomediastinum', 'Cardiomegaly', 'Lung Lesion', 'Lung Opacity', 'Edema', 'Consolidation', 'Pneumonia', 'Atelectasis', 'Pneumothorax', 'Pleural Effusion', 'Pleural Other', 'Fracture', 'Support Devices'];
const CXR_LABELS = ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax'];

async function node(script: string, cwd: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, [script, samples], { cwd, maxBuffer: 1 << 20 });
  return stdout.trim().split('\n');
}

const js: Record<string, string[]> = {};

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/node.js')) || !existsSync(join(ROOT, 'dist/browser.d.ts'))) throw new Error('dist/ is missing: build first (npx tsc -p tsconfig.json)');
  await run(process.execPath, [join(ROOT, 'bin/medinfer.js'), 'samples', samples]);
  // A user's project: node_modules/medinfer (here a link to the package root) and @types/node.
  mkdirSync(join(app, 'node_modules/@types'), { recursive: true });
  // "type": "module": the TypeScript examples compile to ESM (top-level await) under NodeNext.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module', dependencies: { medinfer: '*' } }));
  symlinkSync(ROOT, join(app, 'node_modules/medinfer'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(app, 'node_modules/@types/node'), 'dir');
  cpSync(join(ROOT, 'examples/node-js'), join(app, 'js'), { recursive: true });
  // Sequential: each loads onnxruntime-node and uses its threads; the machine may have 2 cores.
  for (const name of JS_EXAMPLES) js[name] = await node(`${name}.mjs`, join(app, 'js'));
}, 120_000);

describe('examples/node-js', () => {
  it('has exactly the examples this test runs', () => {
    expect(readdirSync(join(ROOT, 'examples/node-js')).filter((f) => f.endsWith('.mjs')).sort()).toEqual(JS_EXAMPLES.map((n) => `${n}.mjs`).sort());
  });

  it('classify: every label once with a 2-decimal score; the sample\'s forced findings are positive', () => {
    const lines = js.classify!;
    expect(lines.at(-1)).toBe('provider: cpu');
    const labels = lines.slice(0, -1).map((l) => /^(.+): (\d\.\d\d)( positive)?$/.exec(l));
    expect(labels.every((m) => m !== null), lines.join('\n')).toBe(true);
    expect(labels.map((m) => m![1]).sort()).toEqual([...CXR_LABELS].sort());
    // createSampleInputs forces Cardiomegaly, Effusion and Nodule present in the radiograph.
    for (const name of ['Cardiomegaly', 'Effusion', 'Nodule']) {
      const m = labels.find((x) => x![1] === name)!;
      expect(m[3], name).toBe(' positive');
      expect(Number(m[2])).toBeGreaterThan(0.5);
    }
  });

  it('detect-2d: a count line, then confident boxes inside the 256 x 256 radiograph', async () => {
    const [head, ...rows] = js['detect-2d']!;
    const m = /^detections: (\d+), score >= 0\.5: (\d+)$/.exec(head!);
    expect(m, head).not.toBeNull();
    expect(Number(m![2])).toBe(rows.length);
    expect(Number(m![1])).toBeGreaterThanOrEqual(rows.length);
    expect(rows.length).toBeGreaterThan(0);
    const image = await readImageFile(join(samples, 'radiograph/chest-xray.png'));
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
    const lines = js['detect-3d']!;
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
    const lines = js.segment!;
    const t1 = await readImageFile(join(samples, 'brain-mri/case01_t1.nii.gz'));
    expect(lines[0]).toBe(`label map: ${t1.geometry.size.join(' x ')} voxels, spacing ${t1.geometry.spacing.map((s) => s.toFixed(2)).join(' x ')} mm`);
    const volumes = Object.fromEntries(lines.slice(1, -1).map((l) => /^(.+): ([\d.]+) ml$/.exec(l)!).map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(volumes).sort()).toEqual(['edema', 'enhancing tumour', 'necrotic core']);
    const voxelMl = t1.geometry.spacing.reduce((a, b) => a * b, 1) / 1000;
    for (const [name, ml] of Object.entries(volumes)) {
      expect(ml, name).toBeGreaterThan(0);
      expect(ml, name).toBeLessThan(voxelMl * t1.geometry.size.reduce((a, b) => a * b, 1));
    }
    expect(lines.at(-1)).toBe('provider: cpu');
  });

  it('register: a 3-component field on the fixed grid, no folding, TRE below the identity\'s', async () => {
    const [field, folding, tre] = js.register!;
    const fixed = await readImageFile(join(samples, 'lung-pair/case01_fixed.nii.gz'));
    expect(field).toBe(`displacement: ${fixed.geometry.size.join(' x ')} x 3`);
    expect(folding).toMatch(/^folding: \d+\.\d\d %$/);
    expect(Number(/([\d.]+)/.exec(folding!)![1])).toBeLessThan(1);
    const t = /^TRE: ([\d.]+) mm \(before: ([\d.]+) mm, (\d+) landmarks\)$/.exec(tre!);
    expect(t, tre).not.toBeNull();
    const landmarkLines = readFileSync(join(samples, 'lung-pair/case01_fixed_landmarks.txt'), 'utf8').trim().split('\n').length;
    expect(Number(t![3])).toBe(landmarkLines);
    expect(Number(t![1])).toBeLessThan(Number(t![2]));
  });

  it('report-text: one line per report, CheXpert names with valid statuses', () => {
    const lines = js['report-text']!;
    const csvRows = readFileSync(join(samples, 'reports/reports.csv'), 'utf8').trim().split('\n').length - 1;
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
});

describe('examples/node-ts', () => {
  it('compiles with strict TypeScript against the published types and prints what the JavaScript examples print', async () => {
    const dir = join(app, 'ts');
    cpSync(join(ROOT, 'examples/node-ts/src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/node-ts/tsconfig.json'), join(dir, 'tsconfig.json'));
    await run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')]).catch((e: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${e.stdout ?? e}`);
    });
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual(JS_EXAMPLES.map((n) => `${n}.js`).sort());
    for (const name of JS_EXAMPLES) expect(await node(join('dist', `${name}.js`), dir), name).toEqual(js[name]);
  });
});

describe('examples/browser-vite', () => {
  it('main.ts type-checks against medinfer/browser (DOM lib, bundler resolution)', async () => {
    const dir = join(app, 'web');
    cpSync(join(ROOT, 'examples/browser-vite/src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/browser-vite/tsconfig.json'), join(dir, 'tsconfig.json'));
    await run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')]).catch((e: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${e.stdout ?? e}`);
    });
    const html = readFileSync(join(ROOT, 'examples/browser-vite/index.html'), 'utf8');
    expect(html).toContain('src="/src/main.ts"');
    expect(html).toContain('id="file"');
  });
});

describe('README', () => {
  it('quotes the Node examples verbatim', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Examples\n'));
    expect(section.length, 'README has an "## Examples" section').toBeGreaterThan(20);
    const quoted = [...section.slice(0, section.indexOf('\n## ', 5) > 0 ? section.indexOf('\n## ', 5) : undefined).matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(quoted.length).toBeGreaterThan(0);
    const files = JS_EXAMPLES.map((n) => readFileSync(join(ROOT, 'examples/node-js', `${n}.mjs`), 'utf8'));
    for (const q of quoted) expect(files, 'a ```js block of README "Examples" that is not an examples/node-js file').toContain(q);
  });
});
