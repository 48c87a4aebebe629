/**
 * The package as a new user gets it: `npm pack` of this repository, installed into fresh projects
 * with the README's own install lines (read from its "## Install" section, so the two cannot
 * drift), from the npm registry (the npm cache makes repeats fast), in an environment stripped of
 * this repository's npm settings (.npmrc's onnxruntime-node-install=skip, CI's
 * ONNXRUNTIME_NODE_INSTALL): on a machine that reaches only the registry, the Node line must work
 * as written. Then, in the Node app: `npx medinfer --version`, `medinfer samples`, every
 * examples/node-js script (the output checks of examples.test.ts), examples/node-ts compiled
 * against the packed typings, and one `medinfer run`. In the
 * browser app: none of onnxruntime-node, sharp, bullmq, ioredis is installed, and the Node API
 * there says which package to install instead of failing on a module path.
 * Needs dist/ built (npm run build): the tarball is packed from it (--ignore-scripts, so packing
 * does not rebuild dist/ under tests running beside this one). Sequential, one install per app.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNodeExamples, JS_EXAMPLES } from './node-example-checks.js';

const exec = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'medinfer-packed-'));
const nodeApp = join(work, 'node-app');
const browserApp = join(work, 'browser-app');
const samples = join(nodeApp, 'samples');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A user's shell environment: no npm_* variables inherited from the npm that runs this suite
 * (npm exports this repository's config, e.g. npm_config_onnxruntime_node_install=skip, to its
 * scripts) except where npm keeps its cache and user config, and no ONNXRUNTIME_NODE_INSTALL*.
 */
function userEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry', 'npm_config_cafile']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.has(k.toLowerCase())) continue;
    if (/^ONNXRUNTIME_NODE_INSTALL/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { cwd, env: userEnv(), maxBuffer: 16 << 20 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The `npm install medinfer ...` lines of README's "## Install" section: [Node line, browser line]. */
function readmeInstallLines(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Install\n');
  if (start < 0) throw new Error('README.md has no "## Install" section');
  const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 5));
  return section.split('\n').filter((l) => l.startsWith('npm install medinfer '));
}

/** Runs a README install line in a fresh project, with the tarball standing for `medinfer`. */
async function installAsReadme(line: string, app: string, tarball: string): Promise<void> {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  const args = line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(1);
  expect(args.slice(0, 2)).toEqual(['install', 'medinfer']);
  args[1] = tarball;
  await sh('npm', [...args, '--no-audit', '--no-fund'], app);
}

function installed(app: string, name: string): string | undefined {
  const file = join(app, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
}

const js: Record<string, string[]> = {};
let lines: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/node.js')) || !existsSync(join(ROOT, 'dist/web/index.html')))
    throw new Error('dist/ is missing: build first (npm run build)');
  lines = readmeInstallLines();
  expect(lines, 'README "## Install": one Node line, then one browser line').toHaveLength(2);
  const packed = JSON.parse(await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as { filename: string }[];
  const tarball = join(work, packed[0]!.filename);
  await installAsReadme(lines[0]!, nodeApp, tarball);
  await installAsReadme(lines[1]!, browserApp, tarball);
  const bin = join(nodeApp, 'node_modules/.bin/medinfer');
  await sh(bin, ['samples', samples], nodeApp);
  cpSync(join(ROOT, 'examples/node-js'), join(nodeApp, 'js'), { recursive: true });
  // Sequential: each loads onnxruntime-node and uses its threads; the machine may have 2 cores.
  for (const name of JS_EXAMPLES) js[name] = (await sh(process.execPath, [`${name}.mjs`, samples], join(nodeApp, 'js'))).trim().split('\n');
}, 600_000);

describe('the packed tarball', () => {
  it(
    'carries only what users run: dist (no source maps, no CLI typings), bin, models, manifest + schema, the step reference (docs/), the converter ' +
      'users run, README, LICENSE',
    async () => {
      const listing = JSON.parse(await sh('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], ROOT)) as { files: { path: string }[] }[];
      const files = listing[0]!.files.map((f) => f.path);
      const top = [...new Set(files.map((f) => f.split('/')[0]))].sort();
      expect(top).toEqual([
        'LICENSE',
        'README.md',
        'bin',
        'dist',
        'docs',
        'models',
        'models.manifest.json',
        'models.manifest.schema.json',
        'package.json',
        'scripts',
      ]);
      // `medinfer models convert voxelmorph` spawns this one script; no other developer tool ships.
      expect(files.filter((f) => f.startsWith('scripts/'))).toEqual(['scripts/models/convert_voxelmorph_keras.py']);
      expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.tsbuildinfo') || (f.startsWith('dist/cli/') && f.endsWith('.d.ts')))).toEqual([]);
      // `medinfer serve` serves the built demo page from dist/web.
      expect(files).toContain('dist/web/index.html');
      expect(files).toContain('dist/web/app.js');
    },
  );
});

describe('a Node app installed with the README line', () => {
  it('gets onnxruntime-node of the tested line, sharp, and no browser or queue packages', () => {
    expect(lines[0]).toMatch(/onnxruntime-node@~1\.30\.0/);
    expect(installed(nodeApp, 'onnxruntime-node')).toMatch(/^1\.30\.\d+$/);
    expect(installed(nodeApp, 'sharp')).toMatch(/^0\.35\.\d+$/);
    for (const name of ['onnxruntime-web', 'bullmq', 'ioredis']) expect(installed(nodeApp, name), name).toBeUndefined();
  });

  it('npx medinfer --version prints the packed version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect((await sh('npx', ['medinfer', '--version'], nodeApp)).trim()).toBe(version);
  });

  it('medinfer run classifies the sample radiograph: one result, no errors', async () => {
    const out = join(nodeApp, 'run-out');
    await sh(
      join(nodeApp, 'node_modules/.bin/medinfer'),
      ['run', '--model', 'medinfer-cxr-densenet-phantom', '--input', join(samples, 'radiograph/chest-xray.png'), '--output', out, '--quiet'],
      nodeApp,
    );
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(results).toHaveLength(1);
    expect(readFileSync(join(out, 'errors.jsonl'), 'utf8').trim()).toBe('');
    expect(readdirSync(out)).toContain('chest-xray.json');
  });

  it('examples/node-ts compiles against the packed typings (strict) and prints what the JavaScript examples print', async () => {
    const dir = join(nodeApp, 'ts');
    cpSync(join(ROOT, 'examples/node-ts/src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/node-ts/tsconfig.json'), join(dir, 'tsconfig.json'));
    // The user's own dev tools: TypeScript and @types/node (this repository's, linked in).
    mkdirSync(join(nodeApp, 'node_modules/@types'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/@types/node'), join(nodeApp, 'node_modules/@types/node'), 'dir');
    await sh(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir);
    for (const name of JS_EXAMPLES) expect((await sh(process.execPath, [join('dist', `${name}.js`), samples], dir)).trim().split('\n'), name).toEqual(js[name]);
  });

  it('medinfer, medinfer/node, medinfer/ops and medinfer/phantoms resolve there with the snapshot names and their typings', async () => {
    // test/api/exports.snapshot.json is the reviewed list (src); the tarball must carry the same.
    const snapshot = JSON.parse(readFileSync(join(ROOT, 'test/api/exports.snapshot.json'), 'utf8')) as Record<string, string[]>;
    const subpaths = { medinfer: 'node', 'medinfer/node': 'node', 'medinfer/ops': 'ops', 'medinfer/phantoms': 'phantoms' };
    const probe = join(nodeApp, 'surface.mjs');
    writeFileSync(
      probe,
      `const out = {};\nfor (const s of ${JSON.stringify(Object.keys(subpaths))}) out[s] = Object.keys(await ` +
        `import(s)).sort();\nconsole.log(JSON.stringify(out));\n`,
    );
    const names = JSON.parse(await sh(process.execPath, [probe], nodeApp)) as Record<string, string[]>;
    for (const [subpath, entry] of Object.entries(subpaths)) expect(names[subpath], subpath).toEqual(snapshot[entry]);
    // The typings of the new subpaths resolve under NodeNext (exports map `types`).
    const dir = join(nodeApp, 'ts-surface');
    mkdirSync(join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/node-ts/tsconfig.json'), join(dir, 'tsconfig.json'));
    writeFileSync(
      join(dir, 'src/surface.ts'),
      [
        "import { computeDice, runPreprocessPlan, type PreprocessResult } from 'medinfer/ops';",
        "import { generateChestCt } from 'medinfer/phantoms';",
        "import type { Volume } from 'medinfer';",
        'const ct: Volume = generateChestCt({ seed: 1 }).image;',
        'export const used: [typeof computeDice, typeof runPreprocessPlan, PreprocessResult | undefined, Volume] = [computeDice, runPreprocessPlan, ' +
          'undefined, ct];',
      ].join('\n'),
    );
    await sh(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir);
  });

  describe('examples/node-js there', () => {
    checkNodeExamples(
      () => js,
      () => samples,
    );
  });
});

describe('a browser app installed with the README line', () => {
  it('gets onnxruntime-web of the tested line and none of onnxruntime-node, sharp, bullmq, ioredis', () => {
    expect(installed(browserApp, 'medinfer')).toBeDefined();
    expect(installed(browserApp, 'onnxruntime-web')).toMatch(/^1\.30\.\d+$/);
    for (const name of ['onnxruntime-node', 'sharp', '@img/colour', 'bullmq', 'ioredis']) expect(installed(browserApp, name), name).toBeUndefined();
  });

  it('examples/browser-vite type-checks against the packed medinfer/browser', async () => {
    const dir = join(browserApp, 'web');
    cpSync(join(ROOT, 'examples/browser-vite/src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/browser-vite/tsconfig.json'), join(dir, 'tsconfig.json'));
    await sh(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir);
  });

  it('copy-assets works there; the Node API names the missing package and its install line', async () => {
    await sh(join(browserApp, 'node_modules/.bin/medinfer'), ['copy-assets', join(browserApp, 'public/ort')], browserApp);
    expect(readdirSync(join(browserApp, 'public/ort')).sort()).toEqual(['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']);
    const probe = join(browserApp, 'probe.mjs');
    writeFileSync(
      probe,
      [
        "import { createPipeline, readImageFile } from 'medinfer';",
        'const report = (e) => ({ name: e.name, code: e.code, message: e.message });',
        "const pipeline = await createPipeline('classification', 'medinfer-cxr-densenet-phantom').then(() => 'ok', report);",
        "const png = await readImageFile(process.argv[2]).then(() => 'ok', report);",
        "const raster = await readImageFile(process.argv[3]).then(() => 'ok', report);",
        'console.log(JSON.stringify({ pipeline, png, raster }));',
      ].join('\n'),
    );
    // A JPEG still needs sharp; common PNGs are decoded by the SDK itself (png-direct.ts).
    const jpeg = join(browserApp, 'photo.jpg');
    const { default: sharp } = await import('sharp');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 60, b: 30 } } })
      .jpeg()
      .toFile(jpeg);
    const out = JSON.parse(await sh(process.execPath, [probe, join(samples, 'radiograph/chest-xray.png'), jpeg], browserApp)) as Record<
      string,
      { name: string; code: string; message: string } | string
    >;
    expect(out.pipeline).toMatchObject({ name: 'MissingPackageError', code: 'E_MISSING_PACKAGE' });
    expect((out.pipeline as { message: string }).message).toContain('npm install onnxruntime-node@~1.30.0 --onnxruntime-node-install=skip');
    expect(out.png).toBe('ok');
    expect(out.raster).toMatchObject({ name: 'MissingPackageError', code: 'E_MISSING_PACKAGE' });
    expect((out.raster as { message: string }).message).toContain('npm install sharp@^0.35.5');
  });

  it('medinfer run there exits 2 with the typed error and the install line, not a stack', async () => {
    const bin = join(browserApp, 'node_modules/.bin/medinfer');
    const failed = await exec(
      bin,
      [
        'run',
        '--model',
        'medinfer-cxr-densenet-phantom',
        '--input',
        join(samples, 'radiograph/chest-xray.png'),
        '--output',
        join(browserApp, 'run-out'),
        '--quiet',
      ],
      { cwd: browserApp, env: userEnv() },
    ).then(
      () => undefined,
      (e: unknown) => e as { code?: number; stderr?: string },
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/^medinfer run: E_MISSING_PACKAGE: .*npm install onnxruntime-node@~1\.30\.0 --onnxruntime-node-install=skip\n$/);
  });
});
