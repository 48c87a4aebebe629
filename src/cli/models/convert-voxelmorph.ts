/**
 * `medinfer models convert voxelmorph <file.h5>`: a published VoxelMorph 2018 Keras checkpoint ->
 * ONNX -> the user model store. The conversion runs in Python with h5py + numpy + onnx (Debian:
 * apt-get install python3-h5py python3-onnx python3-numpy; no TensorFlow, no torch) through
 * scripts/models/convert_voxelmorph_keras.py, shipped with the package; the entry is built here
 * (src/manifest/voxelmorph/keras-entry.ts) and added with addModelToStore (graph checked against
 * the entry's io, sha256 recorded). The interpreter: $MEDINFER_PYTHON, else /usr/bin/python3 when
 * it exists (Debian's packages live there, not in a pyenv / venv), else `python3` on PATH.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError, UnsupportedError, describeError } from '../../core/errors.js';
import { addModelToStore, type AddedModel } from '../../runtime/model-store/add-model.js';
import { buildVoxelmorphKerasEntry, parseVoxelmorphSummary, voxelmorphIdFromFile } from '../../manifest/voxelmorph/keras-entry.js';
import { EXIT_OK, type CliContext } from '../command.js';

/** The converter, relative to this module in src/ and in dist/ alike. */
const SCRIPT = fileURLToPath(new URL('../../../scripts/models/convert_voxelmorph_keras.py', import.meta.url));

/** Debian package per Python module the converter imports. */
const DEBIAN_PACKAGES: Record<string, string> = { h5py: 'python3-h5py', numpy: 'python3-numpy', onnx: 'python3-onnx' };

export interface ConvertVoxelmorphOptions {
  readonly id?: string;
  readonly replace: boolean;
  readonly modelsDir?: string;
  readonly manifest?: string;
  readonly json: boolean;
  /** Volume size D,H,W (default the published models' 160,192,224). */
  readonly shape?: readonly number[];
}

export function pythonInterpreter(env: Readonly<Record<string, string | undefined>>): string {
  const named = env['MEDINFER_PYTHON'];
  if (named !== undefined && named.trim() !== '') return named;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function runPython(
  python: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env } as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Converts `checkpoint` and adds it to the store; returns what was added. */
export async function convertVoxelmorphCheckpoint(
  checkpoint: string,
  options: ConvertVoxelmorphOptions & { cwd: string; env: Readonly<Record<string, string | undefined>> },
): Promise<AddedModel> {
  const file = resolve(options.cwd, checkpoint);
  if (!existsSync(file)) throw new ModelFileError(`checkpoint ${file} does not exist`, { file });
  const python = pythonInterpreter(options.env);
  const work = await mkdtemp(join(tmpdir(), 'medinfer-vxm-'));
  try {
    const onnx = join(work, 'model.onnx');
    const args = [SCRIPT, file, '--out', onnx, ...(options.shape ? ['--shape', options.shape.join(',')] : [])];
    let result;
    try {
      result = await runPython(python, args, options.env);
    } catch (error) {
      throw new UnsupportedError(
        `cannot start Python (${python}) for the VoxelMorph converter: ${describeError(error)}; install python3 (Debian: apt-get install python3 ` +
          `python3-h5py python3-onnx python3-numpy) or set MEDINFER_PYTHON`,
        { file, python },
        { cause: error },
      );
    }
    const message = result.stderr.trim().split('\n').pop() ?? '';
    if (result.code === 3) {
      const module = message.replace(/^missing-python-package:\s*/, '').trim();
      const pkg = DEBIAN_PACKAGES[module.split('.')[0] ?? ''] ?? `the Python module ${module}`;
      throw new UnsupportedError(`the VoxelMorph converter needs the Python package ${module} (${python}): apt-get install ${pkg}`, { file, python, module });
    }
    if (result.code === 2)
      throw new ModelFileError(`${basename(file)} is not a VoxelMorph 2018 Keras checkpoint: ${message.replace(/^not-a-voxelmorph-checkpoint:\s*/, '')}`, {
        file,
      });
    if (result.code !== 0) throw new ModelFileError(`the VoxelMorph converter failed on ${basename(file)} (exit ${result.code}): ${message}`, { file });
    const summary = parseVoxelmorphSummary(result.stdout, file);
    const id = options.id ?? voxelmorphIdFromFile(file);
    const entry = buildVoxelmorphKerasEntry(summary, id, basename(file));
    return await addModelToStore(onnx, entry, {
      cwd: options.cwd,
      env: options.env,
      replace: options.replace,
      ...(options.modelsDir !== undefined ? { modelsDir: options.modelsDir } : {}),
      ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function convertVoxelmorphCommand(checkpoint: string, options: ConvertVoxelmorphOptions, ctx: CliContext): Promise<number> {
  const added = await convertVoxelmorphCheckpoint(checkpoint, { ...options, cwd: ctx.cwd, env: ctx.env });
  const output = added.entry.io.outputs[0];
  if (options.json)
    ctx.out(
      JSON.stringify(
        {
          id: added.id,
          dir: added.dir,
          file: added.modelPath,
          sha256: added.sha256,
          bytes: added.bytes,
          output: output?.name,
          outputDims: output?.dims,
          replaced: added.replaced,
        },
        null,
        2,
      ) + '\n',
    );
  else
    ctx.out(
      `${added.replaced ? 'replaced' : 'added'} ${added.id} in ${added.dir}\n  file ${added.modelPath} (${added.bytes} bytes, sha256 ` +
        `${added.sha256})\n  output ${output?.name} [${output?.dims.join(', ')}]\n  run: medinfer run --model ${added.id} --input case_fixed.nii.gz ` +
        `--input case_moving.nii.gz --output DIR\n`,
    );
  return EXIT_OK;
}
