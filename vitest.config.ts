import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `npm test` (CI) runs everything. `npm run test:quick` (MEDINFER_TEST_TIER=quick)
 * leaves out what needs outside programs or minutes: end-to-end runs over phantom sets, real
 * Chromium, Redis / BullMQ, Orthanc, the packed examples, benchmark smoke runs, the fuzz campaign
 * and the WebGPU (SwiftShader) EP - unit and small integration tests, a few minutes on 2 cores.
 */
const QUICK_EXCLUDES = [
  'test/e2e/**',
  'test/browser/**',
  'test/bench/**',
  'test/examples/**',
  'test/queue/**',
  'test/fuzz/**',
  'test/io/dicomweb/browser.test.ts',
  'test/io/dicomweb/orthanc-client.test.ts',
  'test/io/dicom/browser.test.ts',
  'test/cli/phi-end-to-end.test.ts',
  'test/cli/demo.test.ts',
  'test/runtime/webgpu.test.ts',
  // Whole 256^3 brainchop runs (parity with brainchop's reference, reoriented / resliced variants)
  // and every README command line: minutes each.
  'test/models/brainchop-parity.test.ts',
  'test/pipelines/brainchop-variants.test.ts',
  'test/cli/samples.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(process.env.MEDINFER_TEST_TIER === 'quick' ? QUICK_EXCLUDES : [])],
    // Heavy tests (ONNX sessions, WebGPU on SwiftShader, real Chromium) need room on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
