/**
 * onnxruntime-node's WebGPU EP prints Dawn / Vulkan warnings from native code when no adapter is
 * found. They must not reach the user's stderr unless asked for (MEDINFER_VERBOSE=1 / --verbose):
 * the first attempt runs in a child process (src/runtime/webgpu-probe-node.ts). Native output can
 * only be observed from outside the process, so each case runs the built SDK in a child.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../fixtures/cli/cli-harness.js';
import { TINY_MODEL_PATH } from '../helpers/tiny-model.js';

// The Vulkan loader is pointed at a driver file that does not exist: no adapter on any machine.
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/medinfer-test-icd.json' };

function attempt(env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const script = `import { createModelSession } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/index.js')).href)};
import { createNodeBackend } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/node.js')).href)};
try {
  await createModelSession(createNodeBackend(), { path: ${JSON.stringify(TINY_MODEL_PATH)} }, { provider: 'webgpu' });
  console.log('created');
} catch (e) { console.log(e.code + ' ' + e.message); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, MEDINFER_VERBOSE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

describe('WebGPU in Node without an adapter', () => {
  beforeAll(() => assertBuilt());

  it('fails with a typed error naming the cause, and no native noise on stderr', async () => {
    const r = await attempt(NO_DRIVER);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^E_PROVIDER .*webgpu: WebGPU could not start: no WebGPU adapter \(.*--verbose shows the native WebGPU \/ Vulkan messages/);
    expect(r.stderr).toBe('');
  });

  it('MEDINFER_VERBOSE=1 shows what the native libraries printed', async () => {
    const r = await attempt({ ...NO_DRIVER, MEDINFER_VERBOSE: '1' });
    expect(r.stdout).toMatch(/^E_PROVIDER .*WebGPU could not start/);
    expect(r.stdout).not.toMatch(/--verbose shows/);
    // The Vulkan loader / Dawn warnings (their wording is theirs; these are the loader's and Dawn's).
    expect(r.stderr).toMatch(/vkCreateInstance|Vulkan|loader/i);
  });
});
