/**
 * `medinfer samples [dir]`: writes one ready input per task (seeded phantoms from
 * src/phantoms/sample-inputs.ts, no patient data, nothing downloaded) and a README.txt with the
 * `medinfer run` line for each bundled model. Refuses a non-empty folder unless --force, so a
 * user's own files are never overwritten by accident.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXIT_OK, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { ensureFolder, writeFileAtomic } from '../../core/node-atomic-write.js';
import { UsageError } from '../../core/errors.js';
import { readManifestFile } from '../../manifest/node-manifest.js';
import type { Manifest } from '../../manifest/types.js';
import { writePng } from '../../io/raster/node-raster.js';
import { createSampleInputs, SAMPLE_SEED, type SampleRunInput } from '../../phantoms/sample-inputs.js';
import { findBundledModel } from '../demo/context.js';
import { resolveModelFileLocation } from '../../runtime/open-model.js';

const USAGE = `Usage: medinfer samples [DIR] [--force] [--manifest FILE]

Writes ready inputs for every task of the bundled models into DIR (default ./medinfer-samples):
a chest radiograph PNG, a chest CT (NIfTI and a DICOM series), four BraTS-like MRI sequences, a
lung CT fixed/moving pair with landmarks and a CSV of report texts, plus README.txt with the
\`medinfer run\` line for each. Synthetic phantoms from fixed seeds: the same files every time.
  --force           write into DIR even if it is not empty (files of the same name are replaced)
  --manifest FILE   models manifest whose bundled models README.txt names (default: the bundled one)`;

export const command: CliCommand = {
  name: 'samples',
  summary: 'write ready sample inputs (phantoms) for every task, with the run line for each',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { force: { type: 'boolean' }, manifest: { type: 'string' } }, 'samples');
    if (args.positionals.length > 1) throw new UsageError(`samples: one folder expected, got ${args.positionals.length}`, { command: 'samples' });
    const outDir = resolve(ctx.cwd, args.positionals[0] ?? 'medinfer-samples');
    const manifestPath = stringFlag(args, 'manifest');
    const manifest = await readManifestFile(manifestPath === undefined ? undefined : manifestPath);
    const existing = await readdir(outDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      if (error.code === 'ENOTDIR') throw new UsageError(`samples: ${outDir} exists and is not a folder`, { command: 'samples', file: outDir });
      throw error;
    });
    if (existing.length > 0 && !booleanFlag(args, 'force')) {
      throw new UsageError(`samples: ${outDir} is not empty (${existing.length} entries); choose an empty folder or pass --force`, {
        command: 'samples',
        file: outDir,
      });
    }
    const samples = await createSampleInputs({ encodePng16: (v) => writePng(v), gzip: (b) => gzipSync(b, { level: 6 }), brainT1: await readBundledT1() });
    const show = (p: string) => (relative(ctx.cwd, p).startsWith('..') ? p : relative(ctx.cwd, p) || '.');
    for (const file of samples.files) {
      const path = join(outDir, ...file.path.split('/'));
      await ensureFolder(dirname(path));
      await writeFileAtomic(path, file.bytes);
      ctx.out(`${show(path)}  (${formatBytes(file.bytes.length)})\n`);
    }
    const readme = join(outDir, 'README.txt');
    await writeFileAtomic(readme, sampleReadme(manifest, samples.runs, show(outDir)));
    ctx.out(`${show(readme)}\n`);
    return EXIT_OK;
  },
};

/** The real T1 the package ships with brainchop's models (models/brainchop/sample/, MIT) and its licence. */
async function readBundledT1(): Promise<{ nifti: Uint8Array; license: Uint8Array }> {
  const dir = (p: string) => fileURLToPath(new URL(`../../../models/brainchop/${p}`, import.meta.url));
  const [nifti, license] = await Promise.all([readFile(dir('sample/t1_crop.nii.gz')), readFile(dir('LICENSE.brainchop'))]);
  return { nifti: new Uint8Array(nifti), license: new Uint8Array(license) };
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/** The run line of each sample with the manifest's bundled model for its task. */
export function sampleRunLines(
  manifest: Manifest,
  runs: readonly SampleRunInput[],
  folder: string,
): { modelId: string; task: string; input: string; what: string; line: string }[] {
  const lines = [];
  for (const r of runs) {
    const entry = r.modelFile === undefined ? findBundledModel(manifest, r.task, r.dimensionality) : findBundledModelFile(manifest, r.modelFile);
    if (!entry) continue;
    const input = `${folder}${folder.endsWith(sep) ? '' : '/'}${r.input}`;
    const output = `medinfer-out/${entry.id}`;
    lines.push({
      modelId: entry.id,
      task: r.task,
      input: r.input,
      what: r.what,
      line: `medinfer run --model ${entry.id} --input ${quote(input)} --output ${output}`,
    });
  }
  return lines;
}

/** The bundled entry whose model file path ends with `/<file>` (its files present), if the manifest has one. */
function findBundledModelFile(manifest: Manifest, file: string) {
  return Object.values(manifest.models).find(
    (m) =>
      m.weights.kind === 'bundled' &&
      m.files.some((f) => f.role === 'model' && f.path !== undefined && (f.path === file || f.path.endsWith(`/${file}`))) &&
      m.files.every((f) => f.path === undefined || existsSync(resolveModelFileLocation(manifest, f))),
  );
}

function quote(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function sampleReadme(manifest: Manifest, runs: readonly SampleRunInput[], folder: string): string {
  const blocks = sampleRunLines(manifest, runs, folder).map((l) => `# ${l.task}: ${l.what}\n${l.line}`);
  return `medinfer sample inputs
======================

Synthetic phantoms generated from fixed seeds (seed ${SAMPLE_SEED}): no patient data, the same
files on every machine. The bundled phantom models are demonstration models trained on such
phantoms: not for clinical use.

brain-t1/t1_crop.nii.gz is a real T1-weighted brain MRI, the demo input of brainchop
(https://github.com/neuroneural/brainchop, MIT licence, Copyright (c) 2021 neuroneural/brainchop;
licence text in brain-t1/LICENSE.brainchop), conformed 256^3, 1 mm. brainchop's models are
research models, not medical devices.

Run each model on its sample (from the folder that holds '${folder}'):

${blocks.join('\n\n')}

Each run writes per-input results (JSON, masks / fields as NIfTI, overlay PNGs) and
results.jsonl under its --output folder. \`medinfer models\` lists every model;
\`medinfer run --help\` describes the input forms (files, folders, CSV lists).
`;
}
