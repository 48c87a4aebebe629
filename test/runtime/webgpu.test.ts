/**
 * onnxruntime-node's WebGPU EP, run for real on Chromium's SwiftShader Vulkan driver (no GPU
 * needed; correctness only, it is slow). CI installs Debian's chromium, which ships the driver.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createModelSession } from '../../src/index.js';
import { createNodeBackend } from '../../src/node.js';
import { maxAbsDiff, TINY_IO, TINY_MODEL_PATH, tinyInput } from '../helpers/tiny-model.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const haveDriver = existsSync(SWIFTSHADER_ICD);

describe('WebGPU execution provider (SwiftShader)', () => {
  // Without Chromium's driver there is no adapter; CI installs it, so there the test must run.
  it.runIf(haveDriver || process.env.CI)('matches CPU within 1e-4 and reports webgpu as used', async () => {
    // The Vulkan loader reads these when the WebGPU EP creates its instance (first session).
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const runtimeDir = '/tmp/medinfer-xdg-runtime';
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = runtimeDir;
    const backend = createNodeBackend();
    const cpu = await createModelSession(backend, { path: TINY_MODEL_PATH }, { provider: 'cpu', io: TINY_IO });
    const gpu = await createModelSession(backend, { path: TINY_MODEL_PATH }, { provider: 'webgpu', io: TINY_IO });
    try {
      expect(gpu.provider).toEqual({ requested: ['webgpu'], used: 'webgpu', dropped: [] });
      const a = (await cpu.run({ image: tinyInput() })).logits!.data as Float32Array;
      const b = (await gpu.run({ image: tinyInput() })).logits!.data as Float32Array;
      expect(b.some((v) => v !== 0)).toBe(true);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    } finally {
      await cpu.dispose();
      await gpu.dispose();
    }
  });
});
